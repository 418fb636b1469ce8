import { z } from 'zod';

/** Account ids: URL-safe, short, stable. */
export const ACCOUNT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const tlsOptionsSchema = z
  .object({
    rejectUnauthorized: z.boolean().optional(),
    servername: z.string().min(1).optional(),
    /** PEM bundle trusted in addition to (or instead of) the system roots. */
    ca: z.string().min(1).optional(),
  })
  .strict();

/** The stored account document, exactly as API.md "Stored accounts" describes it. */
export const accountDocumentSchema = z
  .object({
    protocol: z.enum(['imap', 'pop3']),
    host: z.string().min(1).max(253),
    port: z.number().int().min(1).max(65535),
    tls: z.enum(['implicit', 'starttls', 'none']),
    user: z.string().min(1),
    password: z.string().min(1).optional(),
    oauth2: z
      .object({ accessToken: z.string().min(1) })
      .strict()
      .optional(),
    tlsOptions: tlsOptionsSchema.optional(),
    allowPlaintext: z.boolean().optional(),
    /**
     * IMAP: send ID (RFC 2971) at login. Off by default, which saves round
     * trips; some providers require a client to identify itself.
     */
    sendId: z.boolean().optional(),
  })
  .strict()
  .superRefine((doc, ctx) => {
    if ((doc.password === undefined) === (doc.oauth2 === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['password'],
        message: 'exactly one of password or oauth2 is required',
      });
    }
    if (doc.tls === 'none' && doc.allowPlaintext !== true) {
      ctx.addIssue({
        code: 'custom',
        path: ['tls'],
        message: 'tls "none" sends credentials in clear text; it needs allowPlaintext: true',
      });
    }
  });

export type AccountDocument = z.infer<typeof accountDocumentSchema>;

/** An account as the gateway uses it: the stored document plus its id. */
export interface Account extends AccountDocument {
  id: string;
}
