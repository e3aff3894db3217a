/**
 * The custom metrics the functions emit (CloudWatch embedded metric format, through Powertools Metrics)
 * and the alarms in infra/ watch. CloudWatch matches a metric by namespace, name and every dimension, so
 * all three come from here.
 */
export const METRICS_NAMESPACE = 'UcjBulletin';

/** Powertools adds a `service` dimension with the function's service name to every metric. */
export const MONTH_RUN_SERVICE = 'monthly-run';

export const MONTH_RUN_METRICS = {
  /** 1 when a run ended `failed` (thrown or not), else 0: nothing was sent. */
  failed: 'MonthRunFailed',
  /** 1 when some bulletins failed their check and were not sent, else 0. */
  partial: 'MonthRunPartial',
  /** Deliveries the run held back because SES cannot send them yet (sandbox, unverified sender). */
  deliveriesHeld: 'DeliveriesHeld',
} as const;
