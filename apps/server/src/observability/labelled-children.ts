/**
 * A metric's labelled children, each made once per key and then reused: labelling on every call (`metric.labels(…)`,
 * `counter.inc(labels)`) validates and hashes the label set, which the token endpoint would pay on every request.
 * `key` must name the label set exactly, and the label values must be a bounded set (routes, models, grant types ×
 * known clients), since the children are kept for the process's life.
 *
 * @example
 * const durationOf = labelledChildren(
 *   (model: string, operation: string) => `${model} ${operation}`,
 *   (model, operation) => histogram.labels({ model, operation }),
 * );
 * durationOf('Client', 'findClientById').observe(0.001);
 */
export function labelledChildren<A extends unknown[], C>(
  key: (...values: A) => string,
  make: (...values: A) => C,
): (...values: A) => C {
  const children = new Map<string, C>();
  return (...values) => {
    const k = key(...values);
    let child = children.get(k);
    if (child === undefined) {
      child = make(...values);
      children.set(k, child);
    }
    return child;
  };
}
