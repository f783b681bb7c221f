/**
 * A file name as an RFC 8187 ext-value, for `Content-Disposition: attachment; filename*=UTF-8''…`: percent-encoded,
 * `'()*` included (encodeURIComponent leaves them, the ext-value does not allow them). Shared by the web client and
 * the server's tests.
 */
export const encodedFileName = (name: string): string => encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
