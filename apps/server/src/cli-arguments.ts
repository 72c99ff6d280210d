import { InvalidArgumentError } from 'commander';

// Parsers for commander's `argParser`: each returns the number or throws InvalidArgumentError, which commander prints
// with the option's name (`error: option '-p, --port <port>' argument 'x' is invalid. a port is …`).

/** A TCP port, 0–65535 (0: the system picks a free one). */
export const port = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('a port is a whole number 0-65535');
  return n;
};

/** A whole number of at least `min`. */
export const wholeNumber =
  (min: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`a whole number, ${min} or more`);
    return n;
  };

/** A number of seconds, 0 or more (fractions allowed). */
export const seconds = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('a number of seconds, 0 or more');
  return n;
};
