import { z } from 'zod';

/** Seconds, as a whole number. Positivity is a validation rule with IdentityServer's own message. */
export const seconds = () => z.number().int('must be a whole number of seconds');

/** A list that defaults to a new empty array (never a shared one). */
export const list = <T extends z.ZodType>(item: T) => z.array(item).default(() => []);

/** A string-to-string map that defaults to a new empty object. */
export const stringMap = () => z.record(z.string(), z.string()).default(() => ({}));

/** A date given as a `Date` or an ISO 8601 string (configuration files can only give the string). */
export const dateLike = () =>
  z
    .union([z.date(), z.iso.datetime({ offset: true, local: true }), z.iso.date()])
    .transform((v) => new Date(v));
