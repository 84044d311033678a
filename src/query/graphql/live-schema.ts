/**
 * The live part of the GraphQL schema: queries for a first screen and subscriptions over
 * WebSocket (graphql-ws protocol, `graphql-transport-ws`) at /graphql for the updates.
 */
export const liveTypeDefs = /* GraphQL */ `
  type LivePage {
    page: String!
    views: Int!
  }
  type LiveSecond {
    time: String!
    events: Int!
    pageviews: Int!
  }
  "The last five minutes, as this query instance has read them from the event log."
  type LiveTotals {
    siteId: String!
    time: String!
    "Events per second, averaged over the last 10 complete seconds."
    eventsPerSecond: Float!
    "Events and page views in the last 5 minutes."
    events: Int!
    pageviews: Int!
    "Visitors with at least one event in the last 5 minutes."
    activeVisitors: Int!
    "Page views per page in the last 5 minutes, most viewed first (pageLimit of them)."
    pages: [LivePage!]!
    "Events and page views per second over the last \`seconds\` seconds, oldest first."
    perSecond: [LiveSecond!]!
  }
  "Which events a live feed carries. page is exact, or a prefix ending in /* (e.g. /blog/*)."
  input LiveFilter {
    siteId: String
    eventTypes: [String!]
    page: String
    includeBots: Boolean
  }

  extend type Query {
    liveTotals(siteId: String, includeBots: Boolean, pageLimit: Int, seconds: Int): LiveTotals!
    "The newest events this instance has seen (at most 100 per site), newest first."
    recentEvents(filter: LiveFilter, limit: Int): [Event!]!
  }

  type Subscription {
    "A new LiveTotals every second."
    liveTotals(siteId: String, includeBots: Boolean, pageLimit: Int, seconds: Int): LiveTotals!
    "Each new event that matches the filter, at most 20 a second per subscription."
    liveEvents(filter: LiveFilter): Event!
  }
`;
