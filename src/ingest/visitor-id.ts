import { createHmac } from 'node:crypto';

/**
 * The visitor of an event sent without user_id: a hash of site, address and user agent salted
 * with a secret that rotates every UTC day (Plausible's approach). The same browser is one visitor
 * for a day and cannot be followed across days; the address itself is never stored.
 */
export function createVisitorHasher(
  secret: string,
): (siteId: string, ip: string, userAgent: string, time: number) => string {
  let day = '';
  let salt = '';
  return (siteId, ip, userAgent, time) => {
    const today = new Date(time).toISOString().slice(0, 10);
    if (today !== day) {
      day = today;
      salt = createHmac('sha256', secret).update(today).digest('hex');
    }
    return (
      'h:' +
      createHmac('sha256', salt)
        .update(`${siteId}\n${ip}\n${userAgent}`)
        .digest('base64url')
        .slice(0, 22)
    );
  };
}
