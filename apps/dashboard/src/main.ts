import './style.css';
import { apiGet, ApiFailure, readerKey, setReaderKey, type Deploy, type Spike, type Summary, type Verdict } from './api';
import { LayerChart } from './chart';
import { byId, count, el, percent, replace } from './dom';
import { renderSpikes, renderTop, renderTrace } from './panels';
import { FILTER_KEYS, parseFragment, toFragment, windowOf, type DashState, type FilterKey, type RangeName } from './state';

/** How often the open page refreshes, ms. */
const REFRESH_MS = 30_000;

let state: DashState = { range: '1h', filter: {} };
let chart: LayerChart | undefined;
let loading = false;

/** Reads the fragment; a `key=` in it is moved to sessionStorage and taken out of the address bar. */
function readLocation(): void {
  const parsed = parseFragment(location.hash);
  if (parsed.key) setReaderKey(parsed.key);
  state = parsed.state;
  if (parsed.key) history.replaceState(null, '', `${location.pathname}${toFragment(state)}`);
}

/** Writes the state to the fragment (no key) and reloads. */
function go(next: DashState): void {
  state = next;
  const frag = toFragment(state);
  if (location.hash !== frag) history.pushState(null, '', `${location.pathname}${frag}`);
  void load();
}

function showLogin(message: string): void {
  byId('main').hidden = true;
  byId('login').hidden = false;
  byId('login-error').textContent = message;
  byId<HTMLInputElement>('login-key').focus();
}

function setStatus(text: string, error = false): void {
  const s = byId('status');
  s.textContent = text;
  s.classList.toggle('error', error);
}

/** Loads everything the page shows for the current state; a 401 asks for a key. */
async function load(): Promise<void> {
  if (loading) return;
  loading = true;
  const { since, until } = windowOf(state, Date.now());
  const range = { since: new Date(since).toISOString(), until: new Date(until).toISOString() };
  const filter = state.filter;
  syncControls(since, until);
  try {
    const [layers, rules, countries, networks, paths, deploys, spikes] = await Promise.all([
      apiGet<Summary>('/v1/summary', { ...range, groupBy: 'layer', ...filter }),
      apiGet<Summary>('/v1/summary', { ...range, groupBy: 'rule', interval: '1d', ...filter }),
      apiGet<Summary>('/v1/summary', { ...range, groupBy: 'country', interval: '1d', ...filter }),
      apiGet<Summary>('/v1/summary', { ...range, groupBy: 'network', interval: '1d', ...filter }),
      apiGet<Summary>('/v1/summary', { ...range, groupBy: 'path', interval: '1d', ...filter }),
      apiGet<{ items: Deploy[] }>('/v1/deploys', { ...range, limit: 200 }),
      apiGet<{ items: Spike[] }>('/v1/spikes', { ...range, limit: 50 }),
    ]);
    byId('login').hidden = true;
    byId('main').hidden = false;
    chart ??= new LayerChart(byId('chart'));
    chart.render({ summary: layers, deploys: deploys.items, spikes: spikes.items, onLayer: (l) => pick('layer', state.filter.layer === l ? undefined : l) });
    renderHeadline(layers, spikes.items);
    renderFilters();
    renderTop(byId('top-rule'), 'rule', rules, filter.rule, pick);
    renderTop(byId('top-country'), 'country', countries, filter.country, pick);
    renderTop(byId('top-network'), 'network', networks, filter.network, pick);
    renderTop(byId('top-path'), 'path', paths, filter.path, pick);
    renderSpikes(byId('spikes'), spikes.items, state);
    setStatus(`updated ${new Date().toISOString().slice(11, 19)} UTC${state.range === 'custom' ? '' : ' · refresh 30 s'}`);
    if (state.trace) await showTrace(state.trace);
    else byId('trace').hidden = true;
  } catch (e) {
    if (e instanceof ApiFailure && e.status === 401) showLogin(readerKey() ? 'That key was refused.' : '');
    else setStatus(`could not load: ${(e as Error).message}`, true);
  } finally {
    loading = false;
  }
}

function pick(key: FilterKey, value: string | undefined): void {
  const filter = { ...state.filter };
  if (value === undefined) delete filter[key];
  else filter[key] = value;
  go({ ...state, filter });
}

function renderHeadline(s: Summary, spikes: Spike[]): void {
  const firing = spikes.filter((x) => x.status === 'firing').length;
  replace(byId('headline'),
    el('span', { class: 'big', data: { total: String(s.total) } }, count(s.total)), ' 403s',
    s.requests ? el('span', { class: 'muted' }, ` of ${count(s.requests)} requests · deny ratio `, el('b', {}, percent(s.total / s.requests))) : null,
    firing ? el('span', { class: 'badge firing' }, `${firing} spike${firing > 1 ? 's' : ''} firing`) : null);
}

function renderFilters(): void {
  const chips = FILTER_KEYS.filter((k) => state.filter[k]).map((k) => {
    const b = el('button', { type: 'button', class: 'chip', title: 'remove this filter' }, `${k}: `, el('b', {}, state.filter[k]!), ' ×');
    b.addEventListener('click', () => pick(k, undefined));
    return b;
  });
  replace(byId('filters'), ...(chips.length ? [el('span', { class: 'muted' }, 'filtered on '), ...chips] : []));
}

async function showTrace(id: string): Promise<void> {
  const box = byId('trace');
  box.hidden = false;
  const close = () => go({ ...state, trace: undefined });
  try {
    renderTrace(box, id, await apiGet<Verdict>(`/v1/traces/${encodeURIComponent(id)}`), undefined, close);
  } catch (e) {
    if (e instanceof ApiFailure && e.status === 401) throw e;
    renderTrace(box, id, undefined, e instanceof ApiFailure && e.status === 404 ? `No verdict holds this id (${e.message}).` : (e as Error).message, close);
  }
}

/** `datetime-local` value of epoch ms, in UTC. */
const localValue = (ms: number) => new Date(ms).toISOString().slice(0, 16);

function syncControls(since: number, until: number): void {
  for (const b of document.querySelectorAll<HTMLButtonElement>('#ranges button[data-range]')) b.classList.toggle('active', b.dataset.range === state.range);
  byId<HTMLInputElement>('from').value = localValue(since);
  byId<HTMLInputElement>('to').value = localValue(until);
  byId('custom').classList.toggle('active', state.range === 'custom');
}

function wire(): void {
  for (const b of document.querySelectorAll<HTMLButtonElement>('#ranges button[data-range]')) {
    b.addEventListener('click', () => go({ ...state, range: b.dataset.range as RangeName, from: undefined, to: undefined }));
  }
  byId('custom').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const from = Date.parse(`${byId<HTMLInputElement>('from').value}Z`);
    const to = Date.parse(`${byId<HTMLInputElement>('to').value}Z`);
    if (Number.isNaN(from) || Number.isNaN(to) || to <= from) return setStatus('from must be before to', true);
    go({ ...state, range: 'custom', from, to });
  });
  byId('search').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const id = byId<HTMLInputElement>('search-id').value.trim();
    if (id) go({ ...state, trace: id });
  });
  byId('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    setReaderKey(byId<HTMLInputElement>('login-key').value.trim() || undefined);
    byId<HTMLInputElement>('login-key').value = '';
    void load();
  });
  window.addEventListener('popstate', () => {
    readLocation();
    void load();
  });
  window.addEventListener('hashchange', () => {
    readLocation();
    void load();
  });
  setInterval(() => {
    if (document.visibilityState === 'visible' && !byId('main').hidden) void load();
  }, REFRESH_MS);
}

readLocation();
wire();
void load();
