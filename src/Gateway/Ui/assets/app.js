// The trace explorer's entry: the header (project chooser, API key), client-side routing between the
// request list (/ui/) and a trace (/ui/traces/<traceId>), and error display.
import { api, auth } from './api.js';
import { renderList } from './list.js';
import { renderTrace } from './trace.js';
import { fill, h } from './util.js';

const PROJECT = 'gateway.project';
const main = document.getElementById('main');
const errorBox = document.getElementById('error');
const chooser = document.getElementById('project');
const keyForm = document.getElementById('key-form');

let defaultProject = null;
let listHref = '/ui/';
let projectsReady = loadProjects();

function currentProject() {
  return new URLSearchParams(location.search).get('project') || sessionStorage.getItem(PROJECT) || defaultProject;
}

async function loadProjects() {
  try {
    const result = await api.projects();
    const fqns = result.data.map((p) => p.fqn);
    defaultProject = result.default || fqns[0] || null;
    const stored = sessionStorage.getItem(PROJECT);
    if (stored && !fqns.includes(stored)) sessionStorage.removeItem(PROJECT);
    fill(chooser, fqns.map((f) => h('option', { value: f, selected: f === currentProject() }, f)));
    // The chooser shows only when there is a choice.
    chooser.parentElement.classList.toggle('hidden', fqns.length < 2);
    return fqns;
  } catch {
    chooser.parentElement.classList.add('hidden');
    return [];
  }
}

chooser.addEventListener('change', () => {
  sessionStorage.setItem(PROJECT, chooser.value);
  navigate('/ui/' + location.search.replace(/([?&])project=[^&]*&?/, '$1').replace(/[?&]$/, ''));
});

function renderKeyForm() {
  const input = h('input', { type: 'password', id: 'api-key', name: 'key', placeholder: 'API key (kept for this tab only)', autocomplete: 'off', size: 28 });
  fill(keyForm, auth.key
    ? [h('span', { class: 'muted', id: 'key-state' }, 'key set'), h('button', { type: 'button', id: 'forget-key', onclick: () => setKey('') }, 'Forget key')]
    : [input, h('button', { type: 'submit', id: 'use-key' }, 'Use key')]);
}

keyForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const value = keyForm.querySelector('input')?.value.trim();
  if (value) setKey(value);
});

function setKey(value) {
  auth.key = value;
  renderKeyForm();
  projectsReady = loadProjects();
  route();
}

function showError(e) {
  let text = e.message;
  if (e.status === 401) text = auth.key ? 'The API key was refused. Enter another one above.' : 'This gateway needs an API key to read traces: enter it above.';
  else if (e.status === 403) text = 'Your key may not read this tracing project: ' + e.message;
  fill(errorBox, text);
  errorBox.classList.remove('hidden');
  if (e.status === 401) keyForm.querySelector('input')?.focus();
}

function traceHref(traceId, spanId) {
  const p = new URLSearchParams();
  const project = currentProject();
  if (project && project !== defaultProject) p.set('project', project);
  if (spanId) p.set('span', spanId);
  const q = p.toString();
  return `/ui/traces/${traceId}${q ? '?' + q : ''}`;
}

function navigate(href) {
  history.pushState(null, '', href);
  route();
}

let generation = 0;

function route() {
  errorBox.classList.add('hidden');
  const mine = ++generation;
  // A view still loading when the user moved on must not draw over the next one.
  const current = () => mine === generation;
  const ctx = { project: currentProject(), defaultProject, projectsReady, navigate, showError, traceHref, backHref: listHref, current };
  const trace = /^\/ui\/traces\/([0-9a-fA-F]{32})\/?$/.exec(location.pathname);
  if (trace) {
    document.title = 'Trace ' + trace[1].slice(0, 8) + ' · Gateway';
    renderTrace(main, ctx, trace[1].toLowerCase(), new URLSearchParams(location.search).get('span'));
    return;
  }
  document.title = 'Requests · Gateway';
  listHref = location.pathname + location.search;
  renderList(main, ctx);
}

window.addEventListener('popstate', route);
renderKeyForm();
// The first page does not wait for the projects: without a chosen one the API uses the default.
route();
