import { pagePathPattern, type Goal } from '../../domain/stats/goals.js';
import { PROPERTY_KEY_PATTERN } from '../../domain/track-input.js';
import type { SettingsStore } from '../../ports/settings-store.js';
import { invalid, isRecord } from '../../domain/query-input.js';
import { nameOf, newId, notFound, objectBody, sameName } from './setting-input.js';

/**
 * Goals per site (docs/settings-api.md): a page goal (`page_path`, `*` and `**` wildcards) or an
 * event goal (`event_name`, optionally one property value). The general query sees them through
 * `goals(siteId)` as `event:goal`.
 */
export const MAX_GOALS_PER_SITE = 100;
const EVENT_NAME = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;
const PROPERTY_KEY = new RegExp(PROPERTY_KEY_PATTERN);
// A path as ingest stores pages: no query, fragment or whitespace.
const PAGE_PATH = /^\/[^\s?#]{0,1023}$/;

interface StoredGoal {
  name: string;
  pagePath: string | null;
  eventName: string | null;
  property: { key: string; value: string } | null;
}

export interface GoalView {
  id: string;
  site_id: string;
  name: string;
  page_path: string | null;
  event_name: string | null;
  property: { key: string; value: string } | null;
  created_at: string;
}

export type GoalsService = ReturnType<typeof createGoalsService>;

export function createGoalsService(store: SettingsStore) {
  const list = async (siteId: string): Promise<Array<Goal & { createdAt: number }>> =>
    (await store.list('goal', siteId)).map((r) => ({
      id: r.id,
      siteId: r.siteId,
      createdAt: r.createdAt,
      ...(JSON.parse(r.body) as StoredGoal),
    }));

  return {
    /** The engine's `goals(siteId)`. */
    goals: (siteId: string): Promise<Goal[]> => list(siteId),
    async list(siteId: string): Promise<GoalView[]> {
      return (await list(siteId)).map(view);
    },
    async create(body: unknown): Promise<GoalView> {
      const input = parseGoal(body);
      const existing = await list(input.siteId);
      if (existing.some((g) => sameName(g.name, input.name)))
        invalid('name', `the site already has a goal named ${JSON.stringify(input.name)}`);
      if (existing.length >= MAX_GOALS_PER_SITE)
        invalid('site_id', `a site may have at most ${MAX_GOALS_PER_SITE} goals`);
      const goal = { ...input, id: newId(), createdAt: Date.now() };
      const stored: StoredGoal = {
        name: goal.name,
        pagePath: goal.pagePath,
        eventName: goal.eventName,
        property: goal.property,
      };
      await store.put({
        kind: 'goal',
        siteId: goal.siteId,
        id: goal.id,
        body: JSON.stringify(stored),
        createdAt: goal.createdAt,
      });
      return view(goal);
    },
    /** The goal's site, to check access before `remove`; NOT_FOUND when there is none. */
    async siteOf(id: string): Promise<string> {
      return (await store.get('goal', id))?.siteId ?? notFound('goal');
    },
    async remove(siteId: string, id: string): Promise<void> {
      if (!(await store.remove('goal', siteId, id))) notFound('goal');
    },
  };
}

function view(goal: Goal & { createdAt: number }): GoalView {
  return {
    id: goal.id,
    site_id: goal.siteId,
    name: goal.name,
    page_path: goal.pagePath,
    event_name: goal.eventName,
    property: goal.property,
    created_at: new Date(goal.createdAt).toISOString(),
  };
}

/** `{ site_id, name?, event_name, property? }` or `{ site_id, name?, page_path }`. */
export function parseGoal(body: unknown): Omit<Goal, 'id'> {
  const input = objectBody(body, ['site_id', 'name', 'event_name', 'page_path', 'property']);
  const { event_name: eventName, page_path: pagePath, property } = input;
  if (eventName === undefined && pagePath === undefined)
    invalid(
      'event_name',
      'a goal needs a target: event_name (a custom event) or page_path (a page visit)',
    );
  if (eventName !== undefined && pagePath !== undefined)
    invalid('page_path', 'a goal has one target: event_name or page_path, not both');
  if (pagePath !== undefined) {
    if (typeof pagePath !== 'string' || !PAGE_PATH.test(pagePath))
      invalid(
        'page_path',
        'must be a path starting with / (up to 1,024 characters, no query, fragment or spaces); * matches within a segment, ** across segments',
      );
    if (property !== undefined) invalid('property', 'only an event goal may name a property');
    pagePathPattern(pagePath);
    return {
      siteId: input.site_id,
      name: input.name === undefined ? `Visit ${pagePath}` : nameOf(input.name),
      pagePath,
      eventName: null,
      property: null,
    };
  }
  if (typeof eventName !== 'string' || !EVENT_NAME.test(eventName))
    invalid(
      'event_name',
      'must be an event type: letters, digits, _ . : -, up to 64, starting with a letter',
    );
  const name = input.name === undefined ? eventName.toLowerCase() : nameOf(input.name);
  return {
    siteId: input.site_id,
    name,
    pagePath: null,
    eventName: eventName.toLowerCase(),
    property: property === undefined ? null : parseProperty(property),
  };
}

function parseProperty(value: unknown): { key: string; value: string } {
  if (!isRecord(value)) invalid('property', 'must be { "key": …, "value": … }');
  for (const k of Object.keys(value))
    if (k !== 'key' && k !== 'value')
      invalid(`property.${k}`, 'is not a known field; use key, value');
  if (typeof value.key !== 'string' || !PROPERTY_KEY.test(value.key))
    invalid('property.key', 'must be a property key: 1 to 64 of A-Z a-z 0-9 _ . : -');
  if (typeof value.value !== 'string' || value.value.length > 512)
    invalid('property.value', 'must be a string of up to 512 characters');
  return { key: value.key, value: value.value };
}
