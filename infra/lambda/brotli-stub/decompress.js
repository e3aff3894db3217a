// Stands in for `brotli/decompress.js` in the Lambda bundles (see UcjFunction): fontkit needs it only for
// WOFF2 fonts, the bundles ship TrueType Roboto, and the real module adds ~475 kB and its start-up cost.
module.exports = function decompress() {
  throw new Error('WOFF2 fonts are not supported in the ucj-bulletin Lambda bundles: ship .ttf fonts');
};
