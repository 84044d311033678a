/**
 * Why a page's counts are what they are, when nothing was counted: a first user who sends the
 * product description's example (a `click` with the bare user agent `Mozilla/5.0`, which isbot
 * flags, as Plausible and GA would) sees zeros, and the answer says why instead of looking broken.
 */
export interface PageCounts {
  pageviews: number;
  events: number;
}

export interface LeftOut {
  /** Events on the page from bots in the range, left out of the counts (include_bots=true counts them). */
  botEvents: number;
  botPageviews: number;
  note: string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `humans`: the counts without bots; `everyone`: with them. Undefined when there is nothing to explain. */
export function leftOut(
  page: string,
  humans: PageCounts,
  everyone: PageCounts,
): LeftOut | undefined {
  if (humans.pageviews > 0) return undefined;
  const botEvents = everyone.events - humans.events;
  const botPageviews = everyone.pageviews - humans.pageviews;
  const notes: string[] = [];
  if (botEvents > 0) {
    notes.push(
      `${plural(botEvents, 'event')} on ${page} came from a bot's user agent (a bare "Mozilla/5.0" is one) and ${botEvents === 1 ? 'is' : 'are'} left out; add include_bots=true to count ${botEvents === 1 ? 'it' : 'them'}.`,
    );
  }
  const others = everyone.events - everyone.pageviews;
  if (others > 0) {
    notes.push(
      `page_views counts events of type page_view only; ${plural(others, 'event')} on ${page} ${others === 1 ? 'is' : 'are'} of another type (a click, a scroll, a custom event).`,
    );
  }
  return notes.length === 0 ? undefined : { botEvents, botPageviews, note: notes.join(' ') };
}
