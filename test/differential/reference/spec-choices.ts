/**
 * Where docs/query.md leaves a question open (or the engine answers it otherwise), the reference's
 * answer is one of these switches, so the choice is in one visible place and the lead can flip it
 * once the spec says. Each names the question, the reading chosen, and who reads it otherwise.
 */
export const SPEC_CHOICES = {
  /**
   * scroll_depth: "over the pages viewed in counted visits (each visit × page with a counted page
   * view)". true: only visits that count (start in the range, not a bot visit) give pages, as the
   * text says. false: any visit with a counted page view does (the DuckDB store on main, WIP).
   */
  scrollPagesOfCountedVisitsOnly: false,
  /**
   * scroll_depth: "the deepest scroll_depth counted on that page in that visit". false: over every
   * counted event of the visit on that page, whatever group it falls in (a scroll two minutes after
   * a page view, in the next hour, still counts for the page view's hour). true: only the counted
   * events of the same group (the DuckDB store on main, WIP; by event:name, page views then never
   * get the depth of the scroll events).
   */
  scrollDepthWithinGroup: true,
  /**
   * meta.time_labels: "every bucket label of the range". false: a local hour or minute that does
   * not exist (clocks going forward skip it) is no bucket of the range. true: it is listed (the
   * engine's bucketStarts steps through local wall-clock time and lists it).
   */
  labelSkippedLocalTimes: false,
};
