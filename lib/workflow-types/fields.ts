// Input fields several workflow types share.
import { z } from 'zod';

/** A GitHub repository, `owner/name`. */
export const REPO = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/** An absolute http(s) URL that the runtime can parse; `message` and `invalid` say what to fix. */
export const httpUrl = (message: string, invalid: string) =>
  z
    .string()
    .regex(/^https?:\/\/\S+$/, message)
    .refine((u) => URL.canParse(u), invalid);
