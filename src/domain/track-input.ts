import { Type, type Static } from 'typebox';
import { SiteId } from './site-id.js';

/**
 * What a tracker or a backend may send to `POST /track` (one event) or inside `POST /track/batch`.
 * Unknown fields are refused rather than ignored: a typo such as `pageurl` would otherwise lose
 * data silently.
 */
export const PROPERTY_KEY_PATTERN = '^[A-Za-z0-9_.:-]{1,64}$';
export const MAX_PROPERTIES = 32;

const PropertyValue = Type.Union([
  Type.String({ maxLength: 512 }),
  Type.Number(),
  Type.Boolean(),
  Type.Null(),
]);

export const ElementInput = Type.Object(
  {
    tag: Type.Optional(Type.String({ maxLength: 32 })),
    id: Type.Optional(Type.String({ maxLength: 256 })),
    classes: Type.Optional(
      Type.Union([
        Type.String({ maxLength: 512 }),
        Type.Array(Type.String({ maxLength: 128 }), { maxItems: 32 }),
      ]),
    ),
    text: Type.Optional(Type.String({ maxLength: 1024 })),
    href: Type.Optional(Type.String({ maxLength: 2048 })),
  },
  { additionalProperties: false },
);

export const ScreenInput = Type.Object(
  {
    width: Type.Integer({ minimum: 0, maximum: 100_000 }),
    height: Type.Integer({ minimum: 0, maximum: 100_000 }),
  },
  { additionalProperties: false },
);

export const TrackInputSchema = Type.Object(
  {
    user_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    page_url: Type.String({ minLength: 1, maxLength: 2048 }),
    event_type: Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_.:-]{0,63}$' }),
    user_agent: Type.Optional(Type.String({ maxLength: 1024 })),
    ip_address: Type.Optional(Type.String({ maxLength: 64 })),
    event_id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' })),
    timestamp: Type.Optional(
      Type.Union([Type.String({ maxLength: 40 }), Type.Integer({ minimum: 0 })]),
    ),
    site_id: Type.Optional(SiteId),
    session_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    referrer: Type.Optional(Type.String({ maxLength: 2048 })),
    title: Type.Optional(Type.String({ maxLength: 512 })),
    properties: Type.Optional(
      Type.Record(Type.String(), PropertyValue, {
        maxProperties: MAX_PROPERTIES,
        propertyNames: { pattern: PROPERTY_KEY_PATTERN },
      }),
    ),
    element: Type.Optional(ElementInput),
    scroll_depth: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    screen: Type.Optional(ScreenInput),
  },
  { additionalProperties: false },
);

export type TrackInput = Static<typeof TrackInputSchema>;
