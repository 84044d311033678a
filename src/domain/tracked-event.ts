import { Type, type Static } from 'typebox';

/**
 * The enriched event as it travels through the event log and is stored. This is the log's wire
 * format (JSON), so an outside producer writing well-formed records is processed like ours.
 * Times are milliseconds since the Unix epoch, UTC.
 */
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

/**
 * Fields added after the first release. Records already in a log may lack them, so the wire schema
 * takes them as optional and decoding fills the missing ones with null (see event-codec.ts).
 */
const AddedFields = {
  utm_content: Nullable(Type.String({ maxLength: 256 })),
  utm_term: Nullable(Type.String({ maxLength: 256 })),
  browser_version: Nullable(Type.String({ maxLength: 32 })),
  os_version: Nullable(Type.String({ maxLength: 32 })),
  /** ISO 3166-1 alpha-2, looked up at ingest from the client address; null for private and reserved ones. */
  country: Nullable(Type.String({ minLength: 2, maxLength: 2 })),
  region: Nullable(Type.String({ maxLength: 128 })),
  city: Nullable(Type.String({ maxLength: 128 })),
};
export const ADDED_FIELDS = Object.keys(AddedFields) as Array<keyof typeof AddedFields>;

const BaseFields = {
  event_id: Type.String({ minLength: 8, maxLength: 64 }),
  site_id: Type.String({ minLength: 1, maxLength: 64 }),
  visitor_id: Type.String({ minLength: 1, maxLength: 128 }),
  user_id: Nullable(Type.String({ maxLength: 128 })),
  event_type: Type.String({ minLength: 1, maxLength: 64 }),
  page: Type.String({ minLength: 1, maxLength: 2048 }),
  hostname: Nullable(Type.String({ maxLength: 255 })),
  timestamp: Type.Integer({ minimum: 0 }),
  received_at: Type.Integer({ minimum: 0 }),
  session_id: Nullable(Type.String({ maxLength: 128 })),
  referrer: Nullable(Type.String({ maxLength: 2048 })),
  referrer_host: Nullable(Type.String({ maxLength: 255 })),
  title: Nullable(Type.String({ maxLength: 512 })),
  properties: Nullable(Type.Record(Type.String(), Type.Unknown())),
  element: Nullable(
    Type.Object({
      tag: Nullable(Type.String()),
      id: Nullable(Type.String()),
      classes: Type.Array(Type.String()),
      text: Nullable(Type.String()),
      href: Nullable(Type.String()),
      outbound: Type.Boolean(),
    }),
  ),
  scroll_depth: Nullable(Type.Integer({ minimum: 0, maximum: 100 })),
  screen_width: Nullable(Type.Integer({ minimum: 0 })),
  screen_height: Nullable(Type.Integer({ minimum: 0 })),
  utm_source: Nullable(Type.String({ maxLength: 256 })),
  utm_medium: Nullable(Type.String({ maxLength: 256 })),
  utm_campaign: Nullable(Type.String({ maxLength: 256 })),
  browser: Type.String({ maxLength: 64 }),
  os: Type.String({ maxLength: 64 }),
  device: Type.String({ maxLength: 32 }),
  ip_prefix: Nullable(Type.String({ maxLength: 64 })),
  is_bot: Type.Boolean(),
};

/** The full event, as ingest writes it and as the processor sees it after decoding. */
export const TrackedEventSchema = Type.Object({ ...BaseFields, ...AddedFields });

const isNullable = (schema: object): boolean =>
  'anyOf' in schema && (schema.anyOf as Array<{ type?: unknown }>).some((s) => s.type === 'null');
/**
 * What a log record may hold: older records lack the added fields, and records written by
 * encodeEvent leave out every field that is null; decodeEvent gives them back as null.
 */
export const TrackedEventWireSchema = Type.Object(
  Object.fromEntries(
    Object.entries({ ...BaseFields, ...AddedFields }).map(([k, v]) => [
      k,
      isNullable(v) ? Type.Optional(v) : v,
    ]),
  ),
);

export type TrackedEvent = Static<typeof TrackedEventSchema>;

/** The canonical page-view type. `pageview` is accepted at ingest and renamed to it. */
export const PAGE_VIEW = 'page_view';

/** Page views are events of type `page_view`; clicks, scrolls and custom events are not. */
export function isPageView(event: Pick<TrackedEvent, 'event_type'>): boolean {
  return event.event_type === PAGE_VIEW;
}
