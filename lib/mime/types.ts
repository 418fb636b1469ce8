/**
 * A MIME structure tree in the shape of IMAP BODYSTRUCTURE (RFC 9051 §7.5.2),
 * built from BODYSTRUCTURE by lib/imap and by parsing the source in lib/pop3,
 * so body selection and attachment ids are the same for both protocols.
 */
export interface MimeNode {
  /**
   * IMAP part specifier: "1", "1.2", …; "" for the multipart root of the
   * message (a single-part message's only body is "1").
   */
  part: string;
  /** Lower-case `type/subtype`. */
  type: string;
  /** Content-Type parameters, lower-case names, values decoded (RFC 2231). */
  params: Record<string, string>;
  disposition: string | null;
  dispositionParams: Record<string, string>;
  /** Content-ID without angle brackets. */
  contentId: string | null;
  /** Lower-case Content-Transfer-Encoding, `7bit` when absent. */
  encoding: string;
  /** Encoded body size in bytes. */
  size: number;
  /**
   * Line count of the encoded body where BODYSTRUCTURE states one (text/*
   * and message/rfc822 parts, RFC 9051 §7.5.2); absent otherwise.
   */
  lines?: number;
  /** Multipart children, or for message/rfc822 the attached message's root. */
  children: MimeNode[];
  /**
   * Set on a multipart or attached message nested past the parser's depth
   * limit: its children are not described (they are still in the source).
   */
  truncated?: true;
}
