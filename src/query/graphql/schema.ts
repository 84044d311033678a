/** The GraphQL schema: `pageViews(pageURL:)` exactly as the seed asks, plus everything REST offers. */
export const typeDefs = /* GraphQL */ `
  "A range is [from, to): ISO dates (2026-01-31), date-times with zone, or epoch ms. Default: the last 30 days."
  input Scope {
    siteId: String
    from: String
    to: String
    includeBots: Boolean
  }

  enum Interval {
    minute
    hour
    day
  }
  enum Metric {
    events
    pageviews
    visitors
    sessions
    bounce_rate
    avg_duration_ms
  }
  enum Dimension {
    referrer
    browser
    os
    device
    utm_source
    utm_medium
    utm_campaign
  }

  type Point {
    time: String!
    events: Int
    pageviews: Int
    visitors: Int
    sessions: Int
    bounce_rate: Float
    avg_duration_ms: Int
  }
  type PageStat {
    page: String!
    pageviews: Int!
    visitors: Int!
  }
  type EventTypeCount {
    eventType: String!
    events: Int!
  }
  type BreakdownRow {
    value: String!
    pageviews: Int!
    events: Int!
  }
  type SessionStats {
    sessions: Int!
    bounceRate: Float!
    avgDurationMs: Int!
  }
  type Element {
    tag: String
    id: String
    classes: [String!]!
    text: String
    href: String
    outbound: Boolean!
  }
  type Event {
    eventId: String!
    siteId: String!
    userId: String
    visitorId: String!
    eventType: String!
    page: String!
    timestamp: String!
    receivedAt: String!
    sessionId: String
    referrer: String
    title: String
    "The custom properties, as a JSON object string."
    properties: String
    element: Element
    scrollDepth: Int
    browser: String!
    os: String!
    device: String!
    isBot: Boolean!
  }
  type EventPage {
    events: [Event!]!
    nextCursor: String
  }

  type Query {
    "Page views (events of type page_view) of one page, e.g. pageURL: \\"/home\\"."
    pageViews(
      pageURL: String!
      siteId: String
      from: String
      to: String
      includeBots: Boolean
    ): Int!
    pageEvents(pageURL: String!, scope: Scope): Int!
    uniqueVisitors(pageURL: String, scope: Scope): Int!
    timeseries(interval: Interval!, metrics: [Metric!], pageURL: String, scope: Scope): [Point!]!
    topPages(limit: Int, scope: Scope): [PageStat!]!
    eventCounts(limit: Int, scope: Scope): [EventTypeCount!]!
    breakdown(dimension: Dimension!, limit: Int, scope: Scope): [BreakdownRow!]!
    sessions(scope: Scope): SessionStats!
    userEvents(userId: String!, siteId: String, limit: Int, cursor: String): EventPage!
  }
`;
