// Kestrel command centre: the browser front end.
// Plain script, no build step. Needs Leaflet (window.L) and i18n.js (window.KestrelI18n).
// All text coming from the server is put on the page with textContent, never innerHTML.
(function () {
  'use strict';

  // Uncaught errors are kept for automated checks (window.kestrelErrors) as well as logged.
  const errors = window.kestrelErrors || (window.kestrelErrors = []);
  window.addEventListener('error', (ev) => { errors.push(String(ev.message || ev)); });
  window.addEventListener('unhandledrejection', (ev) => { errors.push('unhandled rejection: ' + String(ev.reason)); });

  const I = window.KestrelI18n;
  const t = I.t;
  const tEnum = I.tEnum;

  const TRAIL_MAX = 120;
  const FLASH_MS = 8000;
  const HIGHLIGHT_PRIORITIES = { urgent: true, high: true };
  const PRIORITY_COLOURS = { urgent: '#d0021b', high: '#f07800', normal: '#1f6fd1', low: '#7d8691' };

  // ---------------------------------------------------------------- state

  const state = {
    config: null,
    me: null,               // {name, role, csrf, dispatch}
    fleet: new Map(),       // key "console/sysid" -> aircraft object from the server
    fleetAt: 0,             // performance.now() when the fleet was last replaced
    sightings: new Map(),   // id -> sighting
    sightingsTotal: 0,
    sightingsLoaded: false, // the first /api/sightings has been merged
    consoles: new Set(),    // every console (team) seen, for the team filter
    filters: { team: '', category: '', state: 'all', time: 'all' },
    es: null,
    esRetry: null,
    esBackoff: 2000,
    fittedToAircraft: false,
    fittedToAreas: false,
    areasLoaded: false,
    lastEventAt: 0,         // performance.now() of the last open/fleet/sighting on the stream
    tasks: new Map(),       // id -> task
    tasksLoaded: false,
    taskFilter: 'open',     // 'open' | 'all'
  };

  // Fleet events come at least every 5 s; this long without any means a dead connection
  // that the browser has not noticed (half-open TCP on a bad network).
  const STREAM_SILENCE_MS = 20000;

  // Map layers.
  let map = null;
  let areasLayer = null;
  const aircraftLayers = new Map(); // key -> {marker, trail, points, els, popupEl}
  const sightingMarkers = new Map(); // id -> L.circleMarker
  const sightingRows = new Map();   // id -> {el, sig}
  const fleetRows = new Map();      // key -> {el, ...}
  const flashing = new Map();       // id -> expiry (performance.now())

  // Debug hooks (plain objects so a WebDriver script can read them).
  const aircraftMarkersObj = {};
  const sightingsObj = {};
  const tasksObj = {};
  window.kestrel = {
    map: null, aircraftMarkers: aircraftMarkersObj, sightings: sightingsObj, tasks: tasksObj,
    openTaskForm: (lat, lon, sightingId) => openTaskForm(lat, lon, sightingId === undefined ? null : sightingId),
  };

  // ---------------------------------------------------------------- helpers

  const $ = (id) => document.getElementById(id);

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function pad2(n) { return n < 10 ? '0' + n : String(n); }

  function parseTime(s) {
    if (!s) return null;
    const d = new Date(s);
    return isNaN(d.getTime()) ? null : d;
  }

  function fmtHMS(s) {
    const d = parseTime(s);
    if (!d) return '–';
    return pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' + pad2(d.getSeconds());
  }

  function fmtFull(s) {
    const d = parseTime(s);
    if (!d) return '';
    return d.getFullYear() + '-' + pad2(d.getMonth() + 1) + '-' + pad2(d.getDate()) + ' ' +
      pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' + pad2(d.getSeconds());
  }

  function fmtHM(s) {
    const d = parseTime(s);
    if (!d) return '–';
    return pad2(d.getHours()) + ':' + pad2(d.getMinutes());
  }

  function fmtDuration(sec) {
    if (typeof sec !== 'number' || !isFinite(sec)) return '–';
    const s = Math.max(0, Math.floor(sec));
    if (s < 60) return t('dur.s', { n: s });
    return t('dur.min', { n: Math.floor(s / 60) });
  }

  function isNum(v) { return typeof v === 'number' && isFinite(v); }

  function fmtNum(v, digits, unitKey) {
    if (!isNum(v)) return '–';
    return t(unitKey, { n: v.toFixed(digits) });
  }

  function hasPos(a) { return a && isNum(a.lat) && isNum(a.lon); }

  function acKey(a) { return String(a.console) + '/' + String(a.sysid); }

  function acLabel(a) {
    const cs = a.callsign ? String(a.callsign) : '#' + a.sysid;
    return cs + ' (' + a.console + ')';
  }

  // Age of an aircraft's last message now, extrapolated from the last fleet update.
  function acAge(a) {
    if (!isNum(a.age_s)) return null;
    return a.age_s + (performance.now() - state.fleetAt) / 1000;
  }

  function snapshotUrl(s) {
    return '/api/sightings/' + encodeURIComponent(s.id) + '/snapshot';
  }

  function isDispatcher() { return !!(state.me && state.me.role === 'dispatcher'); }

  // ---------------------------------------------------------------- toasts

  function toast(msg, kind) {
    const box = $('toasts');
    const n = el('div', 'toast' + (kind ? ' toast-' + kind : ''), msg);
    box.appendChild(n);
    while (box.children.length > 4) box.removeChild(box.firstChild);
    setTimeout(() => { n.classList.add('toast-out'); }, 5500);
    setTimeout(() => { if (n.parentNode) n.parentNode.removeChild(n); }, 6000);
  }

  // ---------------------------------------------------------------- HTTP

  class ApiError extends Error {
    constructor(status, message, body) {
      super(message);
      this.status = status;
      this.body = body;
    }
  }

  async function api(path, opts) {
    const o = opts || {};
    const headers = { Accept: 'application/json' };
    const init = { method: o.method || 'GET', headers, credentials: 'same-origin', cache: 'no-store' };
    if (init.method === 'POST') {
      if (state.me && state.me.csrf && !o.noCsrf) headers['X-Kestrel-CSRF'] = state.me.csrf;
      if (o.body !== undefined) {
        headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(o.body);
      }
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, t('err.unreachable'), null);
    }
    let body = null;
    if (res.status !== 204) {
      const text = await res.text();
      if (text) {
        try { body = JSON.parse(text); } catch (_) { body = null; }
      }
    }
    if (!res.ok) {
      const msg = body && typeof body.error === 'string' ? body.error : t('err.generic', { status: res.status });
      const err = new ApiError(res.status, msg, body);
      if (res.status === 401 && !o.allow401) sessionExpired();
      throw err;
    }
    return body;
  }

  // ---------------------------------------------------------------- app state / views

  function setAppState(s) {
    $('app').setAttribute('data-state', s);
    if (s === 'ready' && map) setTimeout(() => map.invalidateSize(), 0);
  }

  function showLogin(message) {
    closeEvents();
    setAppState('login');
    $('login-error').textContent = message || '';
    $('login-password').value = '';
    setTimeout(() => {
      const n = $('login-name');
      if (n.value) $('login-password').focus(); else n.focus();
    }, 0);
  }

  // A 401 from anything but /api/me or /api/login: back to the login screen, keeping
  // what is on the page (it is hidden and comes back after signing in again).
  function sessionExpired() {
    if ($('app').getAttribute('data-state') === 'login') return;
    if (state.me) $('login-name').value = state.me.name || '';
    state.me = null;
    showLogin(t('login.expired'));
  }

  function renderHeader() {
    const me = state.me;
    $('dispatch-name').textContent = me && me.dispatch ? me.dispatch : '';
    $('user-name').textContent = me ? me.name : '';
    $('user-role').textContent = me ? tEnum('role', me.role) : '';
    $('user-role').dataset.role = me ? String(me.role) : '';
    $('lang-zh').setAttribute('aria-pressed', I.lang === 'zh' ? 'true' : 'false');
    $('lang-en').setAttribute('aria-pressed', I.lang === 'en' ? 'true' : 'false');
    $('task-start').hidden = !isDispatcher();
    if (!isDispatcher()) { if (taskUi.picking) setPicking(false); if (taskUi.form) closeTaskForm(); }
    renderConn();
  }

  function setConn(s) {
    $('conn-state').setAttribute('data-state', s);
    renderConn();
  }

  function renderConn() {
    const s = $('conn-state').getAttribute('data-state');
    $('conn-text').textContent = t(s === 'live' ? 'conn.live' : 'conn.reconnecting');
  }

  // ---------------------------------------------------------------- login

  let loginLockUntil = 0;
  let loginLockTimer = null;

  function lockLogin(seconds) {
    loginLockUntil = Date.now() + seconds * 1000;
    const btn = $('login-submit');
    btn.disabled = true;
    clearInterval(loginLockTimer);
    loginLockTimer = setInterval(() => {
      if (Date.now() >= loginLockUntil) {
        clearInterval(loginLockTimer);
        btn.disabled = false;
      }
    }, 500);
  }

  async function onLoginSubmit(ev) {
    ev.preventDefault();
    if (Date.now() < loginLockUntil) return;
    const name = $('login-name').value.trim();
    const password = $('login-password').value;
    const btn = $('login-submit');
    const errEl = $('login-error');
    errEl.textContent = '';
    btn.disabled = true;
    btn.textContent = t('login.busy');
    try {
      const me = await api('/api/login', { method: 'POST', body: { name, password }, noCsrf: true, allow401: true });
      $('login-password').value = '';
      await enterReady(me);
    } catch (e) {
      errEl.textContent = e.message || t('login.failed');
      if (e.status === 429) {
        const s = e.body && isNum(e.body.retry_after_s) ? e.body.retry_after_s : 30;
        lockLogin(s);
      }
      $('login-password').select();
    } finally {
      btn.textContent = t('login.submit');
      if (Date.now() >= loginLockUntil) btn.disabled = false;
    }
  }

  async function onLogout() {
    try {
      await api('/api/logout', { method: 'POST', allow401: true });
    } catch (_) { /* signed out either way */ }
    state.me = null;
    clearData();
    renderHeader();
    showLogin('');
  }

  // ---------------------------------------------------------------- start-up

  async function boot() {
    I.apply();
    buildFilters();
    wireUi();
    renderHeader();
    // The config does not need a session; retry until the server answers.
    for (let delay = 1000; ; delay = Math.min(delay * 2, 15000)) {
      try {
        state.config = await api('/api/config', { allow401: true });
        break;
      } catch (e) {
        if (delay === 1000) toast(t('err.network'), 'error');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    let me = null;
    for (let delay = 1000; ; delay = Math.min(delay * 2, 15000)) {
      try {
        me = await api('/api/me', { allow401: true });
        break;
      } catch (e) {
        if (e.status === 401) break;
        toast(e.status === 0 ? t('err.network') : e.message, 'error');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    // /api/me answers {logged_in: false} rather than 401 before login (no console error).
    if (me && me.logged_in !== false) await enterReady(me); else showLogin('');
  }

  async function enterReady(me) {
    state.me = me;
    renderHeader();
    setAppState('ready');
    ensureMap();
    renderAll();
    loadAreas();
    loadFleet();
    loadSightings();
    loadTasks();
    openEvents();
  }

  function clearData() {
    closeVideo();
    closeEvents();
    state.fleet.clear();
    state.sightings.clear();
    state.sightingsTotal = 0;
    state.sightingsLoaded = false;
    state.consoles.clear();
    state.fittedToAircraft = false;
    for (const k of Object.keys(sightingsObj)) delete sightingsObj[k];
    for (const k of Object.keys(aircraftMarkersObj)) delete aircraftMarkersObj[k];
    aircraftLayers.forEach((l) => { l.marker.remove(); l.trail.remove(); });
    aircraftLayers.clear();
    sightingMarkers.forEach((m) => m.remove());
    sightingMarkers.clear();
    sightingRows.clear();
    fleetRows.clear();
    setPicking(false);
    closeTaskForm();
    state.tasks.clear();
    state.tasksLoaded = false;
    for (const k of Object.keys(tasksObj)) delete tasksObj[k];
    taskMarkers.forEach((m) => { m.marker.remove(); m.line.remove(); });
    taskMarkers.clear();
    taskRows.clear();
    closers.clear();
    $('fleet-list').textContent = '';
    $('sightings-list').textContent = '';
    $('tasks-list').textContent = '';
    renderAll();
  }

  // ---------------------------------------------------------------- map

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  }

  // The attribution may be written as HTML ("&copy; <a>…</a>"): keep only its text.
  // A DOMParser document is inert (no scripts run, no images load).
  function plainText(s) {
    try {
      return new DOMParser().parseFromString(String(s), 'text/html').body.textContent || '';
    } catch (_) {
      return String(s);
    }
  }

  function ensureMap() {
    if (map) return;
    const cfg = state.config || {};
    L.Icon.Default.imagePath = '/assets/vendor/leaflet/images/';
    map = L.map('map', {
      zoomControl: false,
      attributionControl: true,
      maxZoom: isNum(cfg.max_zoom) ? cfg.max_zoom : 19,
      worldCopyJump: false,
    });
    map.attributionControl.setPrefix('Leaflet');
    addZoomControl();
    map.on('popupopen', (ev) => {
      const root = ev.popup.getElement();
      const close = root && root.querySelector('.leaflet-popup-close-button');
      if (close) { close.setAttribute('aria-label', t('map.closePopup')); close.title = t('map.closePopup'); }
    });
    if (cfg.tile_url) {
      L.tileLayer(cfg.tile_url, {
        maxZoom: isNum(cfg.max_zoom) ? cfg.max_zoom : 19,
        // Leaflet puts the attribution in with innerHTML: escape it, it comes from the server.
        attribution: cfg.attribution ? escapeHtml(plainText(cfg.attribution)) : '',
        crossOrigin: false,
      }).addTo(map);
    }
    map.setView([0, 0], 2);
    areasLayer = L.layerGroup().addTo(map);
    tasksLayer = L.layerGroup().addTo(map);
    map.on('click', (ev) => {
      if (!taskUi.picking) return;
      setPicking(false);
      openTaskForm(ev.latlng.lat, ev.latlng.lng, null);
    });
    window.kestrel.map = map;
  }

  let zoomControl = null;

  // The zoom buttons' tooltips follow the language, so the control is rebuilt on a switch.
  function addZoomControl() {
    if (!map) return;
    if (zoomControl) zoomControl.remove();
    zoomControl = L.control.zoom({ zoomInTitle: t('map.zoomIn'), zoomOutTitle: t('map.zoomOut') }).addTo(map);
  }

  async function loadAreas() {
    let fc;
    try {
      fc = await api('/api/areas');
    } catch (e) {
      if (e.status !== 401) console.warn('areas:', e.message);
      return;
    }
    if (!map) return;
    state.areasLoaded = true;
    areasLayer.clearLayers();
    const features = fc && Array.isArray(fc.features) ? fc.features : [];
    features.forEach((f) => {
      if (!f || !f.geometry) return;
      const g = f.geometry;
      if (g.type !== 'Polygon' && g.type !== 'MultiPolygon') return;
      const layer = L.geoJSON(f, {
        style: () => ({ color: '#5b3fa8', weight: 2, opacity: 0.9, fillColor: '#7a5fd0', fillOpacity: 0.08, interactive: false }),
      });
      const name = f.properties && f.properties.name;
      if (name) {
        // Tooltip content given as an element, not a string (Leaflet would use innerHTML).
        layer.eachLayer((l) => {
          l.bindTooltip(el('span', null, String(name)), { permanent: true, direction: 'center', className: 'area-label' });
        });
      }
      layer.addTo(areasLayer);
    });
    if (!state.fittedToAircraft && !state.fittedToAreas && features.length) {
      try {
        const b = L.geoJSON(fc).getBounds();
        if (b.isValid()) { map.fitBounds(b, { padding: [30, 30], maxZoom: 17 }); state.fittedToAreas = true; }
      } catch (_) { /* ignore bad geometry */ }
    }
  }

  // ---------------------------------------------------------------- aircraft

  function acStateClass(a) {
    if (a.quiet) return 'ac-quiet';
    return a.armed ? 'ac-armed' : 'ac-disarmed';
  }

  function buildAircraftIcon() {
    const root = el('div', 'ac-icon');
    const rot = el('div', 'ac-rot');
    const svgNS = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(svgNS, 'svg');
    svg.setAttribute('viewBox', '-16 -16 32 32');
    svg.setAttribute('width', '32');
    svg.setAttribute('height', '32');
    svg.setAttribute('class', 'ac-svg');
    const path = document.createElementNS(svgNS, 'path');
    path.setAttribute('d', 'M0,-13 L9,11 L0,5 L-9,11 Z');
    path.setAttribute('class', 'ac-arrow');
    svg.appendChild(path);
    rot.appendChild(svg);
    const label = el('div', 'ac-label');
    root.appendChild(rot);
    root.appendChild(label);
    return { root, rot, label };
  }

  function buildAircraftPopup(a) {
    const box = el('div', 'popup popup-ac');
    const title = el('div', 'popup-title', acLabel(a));
    if (a.quiet) title.appendChild(el('span', 'badge badge-quiet', t('fleet.quiet')));
    box.appendChild(title);
    const dl = el('dl', 'kv');
    const row = (k, v) => { dl.appendChild(el('dt', null, t(k))); dl.appendChild(el('dd', null, v)); };
    row('ac.team', a.console);
    row('ac.callsign', a.callsign ? a.callsign : '–');
    row('ac.mode', (a.mode || '–') + ' · ' + t(a.armed ? 'fleet.armed' : 'fleet.disarmed'));
    row('ac.alt', fmtNum(a.alt_rel_m, 1, 'unit.m'));
    row('ac.battery', fmtNum(a.battery_pct, 0, 'unit.pct'));
    row('ac.link', tEnum('link', a.link));
    row('ac.speed', fmtNum(a.ground_speed_ms, 1, 'unit.ms'));
    const age = acAge(a);
    row('ac.lastHeard', age === null ? '–' : t('ac.agoFmt', { d: fmtDuration(age) }));
    box.appendChild(dl);
    const watch = el('button', 'btn-secondary btn-small', '▶ ' + t('video.open'));
    watch.type = 'button';
    watch.addEventListener('click', () => openVideo(a));
    box.appendChild(watch);
    return box;
  }

  function updateAircraftOnMap(a) {
    const key = acKey(a);
    let L1 = aircraftLayers.get(key);
    if (!L1) {
      const els = buildAircraftIcon();
      const icon = L.divIcon({ html: els.root, className: 'ac-divicon', iconSize: [32, 32], iconAnchor: [16, 16], popupAnchor: [0, -14] });
      const marker = L.marker([0, 0], { icon, keyboard: true, riseOnHover: true });
      marker.bindPopup(() => buildAircraftPopup(state.fleet.get(key) || a), { minWidth: 220, autoPan: true, autoPanPaddingTopLeft: L.point(60, 20) });
      const trail = L.polyline([], { color: '#1f6fd1', weight: 3, opacity: 0.6, interactive: false });
      L1 = { marker, trail, points: [], els, onMap: false };
      aircraftLayers.set(key, L1);
    }
    const cls = acStateClass(a);
    L1.els.root.className = 'ac-icon ' + cls;
    L1.els.rot.style.transform = 'rotate(' + (isNum(a.heading_deg) ? a.heading_deg : 0) + 'deg)';
    L1.els.label.textContent = acLabel(a) + (a.quiet ? ' · ' + t('map.quiet') : '');
    const trailColour = a.quiet ? '#8a9099' : (a.armed ? '#0a7d4f' : '#1f6fd1');
    L1.trail.setStyle({ color: trailColour, dashArray: a.quiet ? '6 6' : null, opacity: a.quiet ? 0.5 : 0.65 });

    if (hasPos(a)) {
      const ll = [a.lat, a.lon];
      const last = L1.points[L1.points.length - 1];
      if (!last || last[0] !== a.lat || last[1] !== a.lon) {
        L1.points.push(ll);
        if (L1.points.length > TRAIL_MAX) L1.points.splice(0, L1.points.length - TRAIL_MAX);
        L1.trail.setLatLngs(L1.points);
      }
      L1.marker.setLatLng(ll);
      if (!L1.onMap) {
        L1.trail.addTo(map);
        L1.marker.addTo(map);
        L1.onMap = true;
        aircraftMarkersObj[key] = L1.marker;
      }
      L1.marker.setZIndexOffset(a.quiet ? -500 : 500);
      if (L1.marker.isPopupOpen()) L1.marker.getPopup().setContent(buildAircraftPopup(a));
    } else if (L1.onMap) {
      // No position any more: listed in the fleet, not on the map.
      L1.marker.remove();
      L1.onMap = false;
      delete aircraftMarkersObj[key];
    }
  }

  function removeAircraft(key) {
    const L1 = aircraftLayers.get(key);
    if (L1) { L1.marker.remove(); L1.trail.remove(); aircraftLayers.delete(key); }
    delete aircraftMarkersObj[key];
    const row = fleetRows.get(key);
    if (row) { row.el.remove(); fleetRows.delete(key); }
  }

  function applyFleet(body) {
    if (!body || !Array.isArray(body.aircraft)) return;
    state.fleetAt = performance.now();
    const seen = new Set();
    body.aircraft.forEach((a) => {
      if (!a || a.console === undefined || a.sysid === undefined) return;
      const key = acKey(a);
      seen.add(key);
      state.fleet.set(key, a);
      if (!state.consoles.has(String(a.console))) { state.consoles.add(String(a.console)); refreshTeamFilter(); }
    });
    Array.from(state.fleet.keys()).forEach((k) => {
      if (!seen.has(k)) { state.fleet.delete(k); removeAircraft(k); }
    });
    if (map) state.fleet.forEach((a) => updateAircraftOnMap(a));
    renderFleet();
    tasksOnFleet();
    maybeFitToAircraft();
  }

  function maybeFitToAircraft() {
    if (state.fittedToAircraft || !map) return;
    const pts = [];
    state.fleet.forEach((a) => { if (hasPos(a)) pts.push([a.lat, a.lon]); });
    if (!pts.length) return;
    state.fittedToAircraft = true;
    if (pts.length === 1) map.setView(pts[0], Math.min(16, map.getMaxZoom()));
    else map.fitBounds(L.latLngBounds(pts), { padding: [60, 60], maxZoom: 16 });
  }

  async function loadFleet() {
    try {
      applyFleet(await api('/api/fleet'));
    } catch (e) {
      if (e.status !== 401) console.warn('fleet:', e.message);
    }
  }

  function sortedFleet() {
    return Array.from(state.fleet.values()).sort((x, y) => {
      const c = String(x.console).localeCompare(String(y.console));
      return c !== 0 ? c : x.sysid - y.sysid;
    });
  }

  function renderFleet() {
    const list = $('fleet-list');
    const items = sortedFleet();
    $('fleet-empty').hidden = items.length > 0;
    $('fleet-count').textContent = items.length ? String(items.length) : '';
    items.forEach((a, i) => {
      const key = acKey(a);
      let r = fleetRows.get(key);
      if (!r) {
        r = buildFleetRow(key);
        fleetRows.set(key, r);
      }
      fillFleetRow(r, a);
      if (list.children[i] !== r.el) list.insertBefore(r.el, list.children[i] || null);
    });
    while (list.children.length > items.length) list.removeChild(list.lastChild);
  }

  function buildFleetRow(key) {
    const row = el('div', 'fleet-row');
    row.setAttribute('data-testid', 'aircraft');
    row.setAttribute('role', 'listitem');
    row.tabIndex = 0;
    const dot = el('span', 'state-dot');
    const main = el('div', 'fleet-main');
    const line1 = el('div', 'fleet-line1');
    const name = el('span', 'fleet-name');
    const mode = el('span', 'fleet-mode');
    const quiet = el('span', 'badge badge-quiet');
    const video = el('button', 'btn-video', '▶');
    video.type = 'button';
    video.setAttribute('data-testid', 'open-video');
    video.title = t('video.open');
    video.setAttribute('aria-label', t('video.open'));
    video.addEventListener('click', (ev) => {
      ev.stopPropagation();
      const a = state.fleet.get(key);
      if (a) openVideo(a);
    });
    line1.append(name, mode, quiet, video);
    const line2 = el('div', 'fleet-line2');
    const alt = el('span', 'fleet-alt');
    const bat = el('span', 'fleet-bat');
    const link = el('span', 'fleet-link');
    const age = el('span', 'fleet-age');
    line2.append(alt, bat, link, age);
    main.append(line1, line2);
    row.append(dot, main);
    const go = () => centreOnAircraft(key);
    row.addEventListener('click', go);
    row.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); go(); } });
    return { el: row, dot, name, mode, quiet, alt, bat, link, age };
  }

  function fillFleetRow(r, a) {
    const row = r.el;
    row.setAttribute('data-console', String(a.console));
    row.setAttribute('data-sysid', String(a.sysid));
    row.setAttribute('data-lat', isNum(a.lat) ? String(a.lat) : '');
    row.setAttribute('data-lon', isNum(a.lon) ? String(a.lon) : '');
    row.setAttribute('data-quiet', a.quiet ? 'true' : 'false');
    row.className = 'fleet-row ' + acStateClass(a) + (hasPos(a) ? '' : ' no-pos');
    r.name.textContent = acLabel(a);
    r.mode.textContent = (a.mode || '–') + ' · ' + t(a.armed ? 'fleet.armed' : 'fleet.disarmed');
    const age = acAge(a);
    if (a.quiet) {
      r.quiet.hidden = false;
      r.quiet.textContent = t('fleet.quietFor', { d: fmtDuration(age) });
    } else {
      r.quiet.hidden = true;
      r.quiet.textContent = '';
    }
    r.alt.textContent = t('fleet.altShort') + ' ' + fmtNum(a.alt_rel_m, 0, 'unit.m');
    r.bat.textContent = t('fleet.batShort') + ' ' + fmtNum(a.battery_pct, 0, 'unit.pct');
    r.bat.classList.toggle('low', isNum(a.battery_pct) && a.battery_pct < 25);
    r.link.textContent = t('ac.link') + ' ' + tEnum('link', a.link);
    r.link.classList.toggle('bad', !!a.link && a.link !== 'ok' && a.link !== 'connected');
    r.age.textContent = hasPos(a) ? (age === null ? '' : t('ac.agoFmt', { d: fmtDuration(age) })) : t('fleet.noPosition');
  }

  // ---------------------------------------------------------------- live video (WebRTC, WHEP-style)

  const live = { pc: null, resource: null, key: null, frames: 0, seq: 0 };

  function setVideoState(kind, detail) {
    const box = $('video-panel');
    box.setAttribute('data-state', kind);
    const text = kind === 'error' ? (detail || t('video.failed')) : t('video.' + kind);
    $('video-status').textContent = text;
  }

  // Resolves when the browser has gathered its ICE candidates (they go in the offer), or after
  // `ms` with what it has: the server answers with all of its own, so no trickling is needed.
  function gathered(pc, ms) {
    if (pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => { if (pc.iceGatheringState === 'complete') { pc.removeEventListener('icegatheringstatechange', done); resolve(); } };
      pc.addEventListener('icegatheringstatechange', done);
      setTimeout(resolve, ms);
    });
  }

  function countFrames(video, seq) {
    if (typeof video.requestVideoFrameCallback !== 'function') return;
    const step = () => {
      if (live.seq !== seq) return;
      live.frames += 1;
      video.setAttribute('data-frames', String(live.frames));
      if (live.frames === 1) setVideoState('playing');
      video.requestVideoFrameCallback(step);
    };
    video.requestVideoFrameCallback(step);
  }

  async function openVideo(a) {
    if (typeof RTCPeerConnection !== 'function') { toast(t('video.unsupported'), 'error'); return; }
    await closeVideo();
    const seq = ++live.seq;
    const panel = $('video-panel');
    const video = $('video-el');
    panel.hidden = false;
    panel.setAttribute('data-console', String(a.console));
    panel.setAttribute('data-sysid', String(a.sysid));
    $('video-title').textContent = acLabel(a);
    live.frames = 0;
    video.setAttribute('data-frames', '0');
    setVideoState('connecting');
    const pc = new RTCPeerConnection({ iceServers: [], bundlePolicy: 'max-bundle' });
    live.pc = pc;
    live.key = acKey(a);
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.ontrack = (ev) => {
      video.srcObject = ev.streams && ev.streams[0] ? ev.streams[0] : new MediaStream([ev.track]);
      video.play().catch(() => {});
      countFrames(video, seq);
    };
    pc.oniceconnectionstatechange = () => { if (live.seq === seq) panel.setAttribute('data-ice', pc.iceConnectionState); };
    pc.onconnectionstatechange = () => {
      if (live.seq !== seq) return;
      const st = pc.connectionState;
      panel.setAttribute('data-connection', st);
      if (st === 'connected') { if (live.frames === 0) setVideoState('waiting'); }
      else if (st === 'failed') setVideoState('error', t('video.failed'));
      else if (st === 'disconnected') setVideoState('disconnected');
    };
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc, 2000);
      if (live.seq !== seq) return;
      const headers = { 'Content-Type': 'application/sdp', Accept: 'application/sdp' };
      if (state.me && state.me.csrf) headers['X-Kestrel-CSRF'] = state.me.csrf;
      const res = await fetch('/api/video/' + encodeURIComponent(a.console) + '/' + encodeURIComponent(a.sysid), {
        method: 'POST', headers, body: pc.localDescription.sdp, credentials: 'same-origin', cache: 'no-store',
      });
      const body = await res.text();
      if (!res.ok) {
        let msg = t('err.generic', { status: res.status });
        try { const j = JSON.parse(body); if (j && typeof j.error === 'string') msg = j.error; } catch (_) { /* not JSON */ }
        if (res.status === 401) sessionExpired();
        throw new Error(msg);
      }
      if (live.seq !== seq) return;
      live.resource = res.headers.get('Location');
      await pc.setRemoteDescription({ type: 'answer', sdp: body });
      setVideoState('waiting');
    } catch (e) {
      if (live.seq !== seq) return;
      setVideoState('error', String(e && e.message ? e.message : e));
      pc.close();
      live.pc = null;
    }
  }

  // Ends the viewer at dispatch (so the console stops sending) and hides the panel.
  async function closeVideo(leaving) {
    live.seq += 1;
    const pc = live.pc;
    const resource = live.resource;
    live.pc = null;
    live.resource = null;
    live.key = null;
    if (pc) pc.close();
    const video = $('video-el');
    if (video) { video.srcObject = null; video.setAttribute('data-frames', '0'); }
    const panel = $('video-panel');
    if (panel) panel.hidden = true;
    if (resource) {
      const headers = {};
      if (state.me && state.me.csrf) headers['X-Kestrel-CSRF'] = state.me.csrf;
      try {
        await fetch(resource, { method: 'DELETE', headers, credentials: 'same-origin', keepalive: !!leaving });
      } catch (_) { /* dispatch closes a viewer whose browser went by itself */ }
    }
  }

  function centreOnAircraft(key) {
    const a = state.fleet.get(key);
    if (!a || !map) return;
    if (!hasPos(a)) { toast(t('err.noPosition')); return; }
    map.setView([a.lat, a.lon], Math.max(map.getZoom(), 15));
    const L1 = aircraftLayers.get(key);
    if (L1 && L1.onMap) L1.marker.openPopup();
  }

  // ---------------------------------------------------------------- sightings

  function isNewer(n, o) {
    if (!o) return true;
    const nr = isNum(n.revision) ? n.revision : 0;
    const or = isNum(o.revision) ? o.revision : 0;
    if (nr !== or) return nr > or;
    if (n.ack && !o.ack) return true;
    if (!n.ack && o.ack) return false;
    const nu = parseTime(n.updated_at), ou = parseTime(o.updated_at);
    if (nu && ou) return nu.getTime() >= ou.getTime();
    return true;
  }

  // Merge one sighting; returns true when something changed.
  function mergeSighting(s, live) {
    if (!s || typeof s.id !== 'string') return false;
    const old = state.sightings.get(s.id);
    if (old && !isNewer(s, old)) return false;
    state.sightings.set(s.id, s);
    sightingsObj[s.id] = s;
    if (s.console !== undefined && !state.consoles.has(String(s.console))) {
      state.consoles.add(String(s.console));
      refreshTeamFilter();
    }
    if (!old) {
      if (state.sightingsLoaded) state.sightingsTotal += 1;
      if (live && state.sightingsLoaded && !s.ack && HIGHLIGHT_PRIORITIES[s.priority]) {
        flashing.set(s.id, performance.now() + FLASH_MS);
      }
    }
    return true;
  }

  let loadingSightings = null;

  async function loadSightings() {
    if (loadingSightings) return loadingSightings;
    loadingSightings = (async () => {
      try {
        const body = await api('/api/sightings?limit=500');
        const list = body && Array.isArray(body.sightings) ? body.sightings : [];
        const wasLoaded = state.sightingsLoaded;
        // Reverse so that the oldest is merged first (matters only for flashing order).
        list.slice().reverse().forEach((s) => mergeSighting(s, wasLoaded));
        state.sightingsTotal = Math.max(isNum(body && body.total) ? body.total : 0, state.sightings.size);
        state.sightingsLoaded = true;
        renderSightings();
      } catch (e) {
        if (e.status !== 401) console.warn('sightings:', e.message);
      } finally {
        loadingSightings = null;
      }
    })();
    return loadingSightings;
  }

  function sightingTimeMs(s) {
    const d = parseTime(s.time) || parseTime(s.received_at);
    return d ? d.getTime() : 0;
  }

  function passesFilters(s, nowMs) {
    const f = state.filters;
    if (f.team && String(s.console) !== f.team) return false;
    if (f.category && s.category !== f.category) return false;
    if (f.state === 'unacked' && s.ack) return false;
    if (f.state === 'acked' && !s.ack) return false;
    if (f.time !== 'all') {
      const hours = Number(f.time);
      if (sightingTimeMs(s) < nowMs - hours * 3600 * 1000) return false;
    }
    return true;
  }

  function sortedSightings() {
    return Array.from(state.sightings.values()).sort((a, b) => {
      const d = sightingTimeMs(b) - sightingTimeMs(a);
      if (d !== 0) return d;
      const ra = parseTime(a.received_at), rb = parseTime(b.received_at);
      return (rb ? rb.getTime() : 0) - (ra ? ra.getTime() : 0);
    });
  }

  function renderSightings() {
    const list = $('sightings-list');
    const now = Date.now();
    const shown = sortedSightings().filter((s) => passesFilters(s, now));
    const shownIds = new Set();
    shown.forEach((s, i) => {
      shownIds.add(s.id);
      let r = sightingRows.get(s.id);
      if (!r) { r = buildSightingRow(s.id); sightingRows.set(s.id, r); }
      fillSightingRow(r, s);
      if (list.children[i] !== r.el) list.insertBefore(r.el, list.children[i] || null);
    });
    while (list.children.length > shown.length) list.removeChild(list.lastChild);
    // Drop cached rows that are not shown to keep memory bounded.
    if (sightingRows.size > shown.length + 1000) {
      sightingRows.forEach((r, id) => { if (!shownIds.has(id)) sightingRows.delete(id); });
    }
    $('sightings-empty').hidden = shown.length > 0;
    const total = Math.max(state.sightingsTotal, state.sightings.size);
    $('sightings-counter').textContent = t('sightings.showing', { n: shown.length, total });
    renderSightingMarkers(shownIds);
  }

  function priorityBadge(p) {
    const b = el('span', 'badge prio prio-' + (PRIORITY_COLOURS[p] ? p : 'normal'), tEnum('prio', p));
    return b;
  }

  function buildSightingRow(id) {
    const row = el('div', 'sighting-row');
    row.setAttribute('data-testid', 'sighting');
    row.setAttribute('data-id', id);
    row.setAttribute('role', 'listitem');
    row.tabIndex = 0;
    const thumbBox = el('div', 'thumb-box');
    const body = el('div', 'sighting-body');
    const go = () => centreOnSighting(id);
    row.addEventListener('click', go);
    row.addEventListener('keydown', (ev) => {
      if (ev.target === row && (ev.key === 'Enter' || ev.key === ' ')) { ev.preventDefault(); go(); }
    });
    const side = el('div', 'sighting-side');
    const hereBox = el('div', 'here-box');
    side.append(thumbBox, hereBox);
    row.append(side, body);
    return { el: row, thumbBox, hereBox, body, sig: '' };
  }

  function ackNode(s, inPopup) {
    const wrap = el('div', 'ack-line');
    if (s.ack) {
      const by = el('span', 'ack-by', t('sighting.ackedBy', { name: s.ack.by, time: fmtHM(s.ack.at) }));
      if (!inPopup) by.setAttribute('data-testid', 'ack-by');
      wrap.appendChild(by);
    } else {
      wrap.appendChild(el('span', 'unacked', t('sighting.unacked')));
      if (isDispatcher()) {
        const btn = el('button', 'btn-ack', t('sighting.ack'));
        btn.type = 'button';
        if (!inPopup) btn.setAttribute('data-testid', 'ack');
        btn.addEventListener('click', (ev) => { ev.stopPropagation(); acknowledge(s.id, btn); });
        wrap.appendChild(btn);
      }
    }
    return wrap;
  }

  function fillSightingRow(r, s) {
    const flash = flashing.has(s.id);
    const sig = [s.revision, s.updated_at, s.ack ? s.ack.by + s.ack.at : '', I.lang, state.me ? state.me.role : '', flash].join('|');
    const row = r.el;
    row.setAttribute('data-acked', s.ack ? 'true' : 'false');
    row.className = 'sighting-row prio-row-' + s.priority + (s.ack ? ' acked' : ' unacked-row') + (flash ? ' flash' : '');
    if (r.sig === sig) return;
    r.sig = sig;

    // Thumbnail: keep the same <img> across updates so it is not fetched again.
    const snapKey = s.snapshot ? (s.snapshot.sha256 || s.snapshot.file_name || 'x') : '';
    if (r.snapKey !== snapKey) {
      r.snapKey = snapKey;
      r.thumbBox.textContent = '';
      if (s.snapshot) {
        const img = document.createElement('img');
        img.className = 'thumb';
        img.setAttribute('data-testid', 'snapshot');
        img.loading = 'lazy';
        img.decoding = 'async';
        img.alt = '';
        img.src = snapshotUrl(s);
        img.addEventListener('click', (ev) => { ev.stopPropagation(); openPicture(s.id); });
        img.addEventListener('error', () => { img.classList.add('thumb-broken'); });
        r.thumbBox.appendChild(img);
        r.img = img;
      } else {
        r.thumbBox.appendChild(el('div', 'thumb thumb-none', t('sighting.noPicture')));
        r.img = null;
      }
    } else if (!s.snapshot) {
      const n = r.thumbBox.firstChild;
      if (n) n.textContent = t('sighting.noPicture');
    }
    if (r.img) r.img.title = t('sighting.openPicture');

    const b = r.body;
    b.textContent = '';
    const l1 = el('div', 'sighting-line1');
    const timeEl = el('span', 'sighting-time', fmtHMS(s.time));
    timeEl.title = fmtFull(s.time);
    l1.append(el('span', 'sighting-cat', tEnum('cat', s.category)), priorityBadge(s.priority), timeEl);
    b.appendChild(l1);
    if (s.note) b.appendChild(el('div', 'sighting-note', s.note));
    const who = [String(s.console)];
    if (s.aircraft && (s.aircraft.callsign || s.aircraft.sysid !== undefined)) {
      who.push(s.aircraft.callsign ? String(s.aircraft.callsign) : '#' + s.aircraft.sysid);
    }
    if (s.crew) who.push(String(s.crew));
    b.appendChild(el('div', 'sighting-who', who.join(' · ')));
    b.appendChild(ackNode(s, false));
    // "Send a team here" sits under the thumbnail, where the row has room to spare.
    r.hereBox.textContent = '';
    const here = taskHereButton(s);
    if (here) r.hereBox.appendChild(here);
  }

  function buildSightingPopup(s) {
    const box = el('div', 'popup popup-sighting');
    if (s.snapshot) {
      const img = document.createElement('img');
      img.className = 'popup-thumb';
      img.alt = '';
      img.src = snapshotUrl(s);
      img.title = t('sighting.openPicture');
      img.addEventListener('click', () => openPicture(s.id));
      box.appendChild(img);
    }
    const title = el('div', 'popup-title');
    title.append(el('span', 'sighting-cat', tEnum('cat', s.category)), priorityBadge(s.priority));
    box.appendChild(title);
    const dl = el('dl', 'kv');
    const row = (k, v) => { dl.appendChild(el('dt', null, t(k))); dl.appendChild(el('dd', null, v)); };
    if (s.note) row('sighting.note', s.note);
    row('sighting.time', fmtFull(s.time) || '–');
    row('sighting.team', String(s.console) + (s.crew ? ' · ' + s.crew : ''));
    if (s.aircraft) row('sighting.aircraft', s.aircraft.callsign ? String(s.aircraft.callsign) : '#' + s.aircraft.sysid);
    box.appendChild(dl);
    const ackLine = ackNode(s, true);
    const here = taskHereButton(s);
    if (here) ackLine.appendChild(here);
    box.appendChild(ackLine);
    return box;
  }

  function sightingPos(s) {
    const p = s && s.position;
    return p && isNum(p.lat) && isNum(p.lon) ? [p.lat, p.lon] : null;
  }

  function renderSightingMarkers(shownIds) {
    if (!map) return;
    // Oldest first so the newest are drawn on top.
    const ids = Array.from(shownIds);
    sightingMarkers.forEach((m, id) => {
      if (!shownIds.has(id) || !sightingPos(state.sightings.get(id))) { m.remove(); sightingMarkers.delete(id); }
    });
    for (let i = ids.length - 1; i >= 0; i--) {
      const id = ids[i];
      const s = state.sightings.get(id);
      const pos = sightingPos(s);
      if (!pos) continue;
      const colour = PRIORITY_COLOURS[s.priority] || PRIORITY_COLOURS.normal;
      const style = {
        radius: s.priority === 'urgent' ? 10 : (s.priority === 'high' ? 9 : 7),
        color: s.ack ? '#ffffff' : '#1b1f24',
        weight: s.ack ? 1.5 : 2.5,
        fillColor: colour,
        fillOpacity: s.ack ? 0.45 : 0.95,
        opacity: 1,
      };
      let m = sightingMarkers.get(id);
      if (!m) {
        m = L.circleMarker(pos, style);
        m.bindPopup(() => buildSightingPopup(state.sightings.get(id)), { minWidth: 240, maxWidth: 320, autoPanPaddingTopLeft: L.point(60, 20) });
        m.addTo(map);
        sightingMarkers.set(id, m);
      } else {
        m.setLatLng(pos);
        m.setStyle(style);
        m.setRadius(style.radius);
        if (m.isPopupOpen()) m.getPopup().setContent(buildSightingPopup(s));
      }
    }
  }

  function centreOnSighting(id) {
    const s = state.sightings.get(id);
    const pos = sightingPos(s);
    if (!pos || !map) return;
    map.setView(pos, Math.max(map.getZoom(), 16));
    const m = sightingMarkers.get(id);
    if (m) m.openPopup();
  }

  async function acknowledge(id, btn) {
    if (btn) { btn.disabled = true; btn.textContent = t('sighting.acking'); }
    try {
      const ack = await api('/api/sightings/' + encodeURIComponent(id) + '/ack', { method: 'POST' });
      const s = state.sightings.get(id);
      if (s && ack && ack.by) {
        const n = Object.assign({}, s, { ack });
        state.sightings.set(id, n);
        sightingsObj[id] = n;
      }
      flashing.delete(id);
      renderSightings();
    } catch (e) {
      if (e.status !== 401) toast(t('err.ackFailed', { msg: e.message }), 'error');
      if (btn && btn.isConnected) { btn.disabled = false; btn.textContent = t('sighting.ack'); }
    }
  }

  // ---------------------------------------------------------------- tasks

  // Colours of the task states on the map (the badges in app.css use the same ones).
  const TASK_COLOURS = {
    queued: '#7d8691', sent: '#1f6fd1', received: '#1f6fd1', accepted: '#0a9d58',
    declined: '#c0121f', on_scene: '#0b5d3b', closed: '#a9b0b8',
  };
  const NOTE_MAX = 2000;

  function taskStateClass(st) { return TASK_COLOURS[st] ? st : 'unknown'; }
  function isOpenTask(tk) { return tk.state !== 'closed'; }

  function taskBadge(tk) {
    const b = el('span', 'badge tstate tstate-' + taskStateClass(tk.state), tEnum('tstate', tk.state));
    const bits = [fmtFull(tk.state_at)];
    if (tk.state_by) bits.push(String(tk.state_by));
    b.title = bits.filter(Boolean).join(' · ');
    return b;
  }

  // "#1 (K1)" for an aircraft of a team, from what the fleet says about it.
  function sysidLabel(consoleId, sysid) {
    const a = state.fleet.get(String(consoleId) + '/' + String(sysid));
    return '#' + sysid + (a && a.callsign ? ' (' + a.callsign + ')' : '');
  }

  function taskTeamLabel(tk) {
    let s = String(tk.console);
    if (tk.sysid !== null && tk.sysid !== undefined) s += ' · ' + sysidLabel(tk.console, tk.sysid);
    return s;
  }

  function taskPos(tk) { return tk && isNum(tk.lat) && isNum(tk.lon) ? [tk.lat, tk.lon] : null; }

  // Squared distance in degrees of latitude (good enough to compare within a city).
  function dist2(lat1, lon1, lat2, lon2) {
    const dx = (lon2 - lon1) * Math.cos(((lat1 + lat2) / 2) * Math.PI / 180);
    const dy = lat2 - lat1;
    return dx * dx + dy * dy;
  }

  function nearestAircraft(lat, lon, consoleId) {
    let best = null;
    let bd = Infinity;
    state.fleet.forEach((a) => {
      if (!hasPos(a)) return;
      if (consoleId !== undefined && String(a.console) !== String(consoleId)) return;
      const d = dist2(lat, lon, a.lat, a.lon);
      if (d < bd) { bd = d; best = a; }
    });
    return best;
  }

  // Where the dashed line to a task starts: the tasked aircraft if it is on the map,
  // else the team's aircraft nearest to the point.
  function taskOrigin(consoleId, sysid, lat, lon) {
    if (sysid !== null && sysid !== undefined && sysid !== '') {
      const key = String(consoleId) + '/' + String(sysid);
      const a = state.fleet.get(key);
      const L1 = aircraftLayers.get(key);
      if (a && hasPos(a) && L1 && L1.onMap) return [a.lat, a.lon];
    }
    const n = nearestAircraft(lat, lon, consoleId);
    return n ? [n.lat, n.lon] : null;
  }

  function taskHistLen(tk) { return Array.isArray(tk.history) ? tk.history.length : 0; }

  function isTaskNewer(n, o) {
    if (!o) return true;
    const nl = taskHistLen(n), ol = taskHistLen(o);
    if (nl !== ol) return nl > ol;
    if (o.state === 'closed' && n.state !== 'closed') return false;
    const nt = parseTime(n.state_at), ot = parseTime(o.state_at);
    if (nt && ot) return nt.getTime() >= ot.getTime();
    return true;
  }

  // Merge one task; returns true when something changed.
  function mergeTask(tk, live) {
    if (!tk || typeof tk.id !== 'string') return false;
    const old = state.tasks.get(tk.id);
    if (old && !isTaskNewer(tk, old)) return false;
    state.tasks.set(tk.id, tk);
    tasksObj[tk.id] = tk;
    if (live && state.tasksLoaded && old && old.state !== tk.state) {
      if (tk.state === 'declined') {
        toast(t('task.declinedToast', { team: taskTeamLabel(tk), reason: tk.reason || '–' }), 'error');
      } else if (tk.state === 'on_scene') {
        toast(t('task.onSceneToast', { team: taskTeamLabel(tk) }));
      }
    }
    if (tk.state === 'closed') {
      closers.delete(tk.id + '|row');
      closers.delete(tk.id + '|popup');
    }
    return true;
  }

  let loadingTasks = null;

  async function loadTasks() {
    if (loadingTasks) return loadingTasks;
    loadingTasks = (async () => {
      try {
        const body = await api('/api/tasks?limit=200');
        const list = body && Array.isArray(body.tasks) ? body.tasks : [];
        list.forEach((tk) => mergeTask(tk, false));
        state.tasksLoaded = true;
        renderTasks();
      } catch (e) {
        if (e.status !== 401) console.warn('tasks:', e.message);
      } finally {
        loadingTasks = null;
      }
    })();
    return loadingTasks;
  }

  function taskCreatedMs(tk) {
    const d = parseTime(tk.created_at);
    return d ? d.getTime() : 0;
  }

  function sortedTasks() {
    return Array.from(state.tasks.values()).sort((a, b) => taskCreatedMs(b) - taskCreatedMs(a));
  }

  function renderTasks() {
    const list = $('tasks-list');
    const all = sortedTasks();
    const open = all.filter(isOpenTask);
    const shown = state.taskFilter === 'all' ? all : open;
    $('tasks-count').textContent = open.length ? String(open.length) : '';
    $('tasks-count').title = t('tasks.openCount', { n: open.length });
    shown.forEach((tk, i) => {
      let r = taskRows.get(tk.id);
      if (!r) { r = buildTaskRow(tk.id); taskRows.set(tk.id, r); }
      fillTaskRow(r, tk);
      if (list.children[i] !== r.el) list.insertBefore(r.el, list.children[i] || null);
    });
    while (list.children.length > shown.length) list.removeChild(list.lastChild);
    const shownIds = new Set(shown.map((x) => x.id));
    taskRows.forEach((r, id) => { if (!shownIds.has(id) && !state.tasks.has(id)) taskRows.delete(id); });
    const empty = $('tasks-empty');
    empty.hidden = shown.length > 0;
    empty.textContent = t(state.taskFilter === 'all' ? 'tasks.emptyAll' : 'tasks.emptyOpen');
    renderTaskMarkers();
  }

  function buildTaskRow(id) {
    const row = el('div', 'task-row');
    row.setAttribute('data-testid', 'task');
    row.setAttribute('data-id', id);
    row.setAttribute('role', 'listitem');
    row.tabIndex = 0;
    const main = el('div', 'task-main');
    const actions = el('div', 'task-actions');
    row.append(main, actions);
    row.addEventListener('click', (ev) => {
      if (ev.target.closest && ev.target.closest('button, input, textarea, select')) return;
      centreOnTask(id);
    });
    row.addEventListener('keydown', (ev) => {
      if (ev.target === row && (ev.key === 'Enter' || ev.key === ' ')) { ev.preventDefault(); centreOnTask(id); }
    });
    return { el: row, main, actions, sig: '' };
  }

  // The lines of text about a task, shared by the row and the popup.
  function taskDetailLines(tk) {
    const out = [];
    const created = t('task.createdBy', { time: fmtHMS(tk.created_at), name: tk.created_by || '–' });
    out.push({ cls: 'task-created', text: created, title: fmtFull(tk.created_at) });
    if (tk.state === 'declined') {
      const who = tk.state_by ? t('task.declinedBy', { name: tk.state_by }) + ' · ' : '';
      out.push({ cls: 'task-reason task-reason-declined', text: who + t('task.reason') + ': ' + (tk.reason || '–') });
    } else if (tk.state === 'closed') {
      const who = tk.state_by ? t('task.closedBy', { name: tk.state_by }) : '';
      const why = tk.reason ? t('task.reason') + ': ' + tk.reason : '';
      const s = [who, why].filter(Boolean).join(' · ');
      if (s) out.push({ cls: 'task-reason', text: s });
    }
    return out;
  }

  function fillTaskRow(r, tk) {
    const row = r.el;
    const st = taskStateClass(tk.state);
    row.setAttribute('data-state', String(tk.state));
    row.setAttribute('data-console', String(tk.console));
    row.className = 'task-row trow-' + st + (tk.state === 'declined' ? ' task-declined' : '') +
      (tk.state === 'closed' ? ' task-closed' : '');
    const team = taskTeamLabel(tk);
    const sig = [tk.state, tk.state_at, taskHistLen(tk), tk.reason, team, I.lang].join('|');
    if (r.sig !== sig) {
      r.sig = sig;
      const m = r.main;
      m.textContent = '';
      const l1 = el('div', 'task-line1');
      const timeEl = el('span', 'task-time', fmtHMS(tk.created_at));
      timeEl.title = fmtFull(tk.created_at);
      l1.append(taskBadge(tk), el('span', 'task-team', team), timeEl);
      m.appendChild(l1);
      const note = el('div', 'task-note', tk.note || '');
      note.title = tk.note || '';
      m.appendChild(note);
      taskDetailLines(tk).forEach((d) => {
        const n = el('div', 'task-sub ' + d.cls, d.text);
        if (d.title) n.title = d.title;
        m.appendChild(n);
      });
    }
    syncCloseArea(r.actions, tk, 'row');
  }

  // ---- closing (inline reason, no window.prompt)

  const closers = new Map(); // id + '|row' / '|popup' -> {box, input, confirm, cancel, err}

  function syncCloseArea(container, tk, where) {
    const key = tk.id + '|' + where;
    if (!isDispatcher() || tk.state === 'closed') {
      closers.delete(key);
      if (!container.firstChild) return false;
      container.textContent = '';
      return true;
    }
    const c = closers.get(key);
    if (c) {
      if (c.box.parentNode === container) return false;
      container.textContent = '';
      container.appendChild(c.box);
      return true;
    }
    const cur = container.firstChild;
    if (cur && cur.classList.contains('btn-task-close') && cur.dataset.lang === I.lang) return false;
    container.textContent = '';
    const btn = el('button', 'btn-ack btn-task-close', t('task.close'));
    btn.type = 'button';
    btn.title = t('task.closeTitle');
    btn.dataset.lang = I.lang;
    if (where === 'row') btn.setAttribute('data-testid', 'task-close');
    btn.addEventListener('click', (ev) => { ev.stopPropagation(); openCloser(tk.id, where, container); });
    container.appendChild(btn);
    return true;
  }

  function openCloser(id, where, container) {
    const key = id + '|' + where;
    const box = el('div', 'task-closer');
    const input = el('input', 'task-close-reason');
    input.type = 'text';
    input.maxLength = 500;
    input.placeholder = t('task.reasonOptional');
    input.setAttribute('aria-label', t('task.reasonOptional'));
    const confirm = el('button', 'btn-danger', t('task.closeConfirm'));
    confirm.type = 'button';
    const cancel = el('button', 'btn-secondary btn-small', t('task.cancel'));
    cancel.type = 'button';
    const err = el('div', 'task-close-error');
    if (where === 'row') {
      input.setAttribute('data-testid', 'task-close-reason');
      confirm.setAttribute('data-testid', 'task-close-confirm');
    }
    const c = { box, input, confirm, cancel, err, busy: false };
    const dismiss = () => {
      closers.delete(key);
      const tk = state.tasks.get(id);
      if (tk) syncCloseArea(container, tk, where);
      refreshOpenTaskPopup(id);
    };
    const go = () => { if (!c.busy) closeTask(id, c); };
    confirm.addEventListener('click', (ev) => { ev.stopPropagation(); go(); });
    cancel.addEventListener('click', (ev) => { ev.stopPropagation(); dismiss(); });
    input.addEventListener('click', (ev) => ev.stopPropagation());
    input.addEventListener('keydown', (ev) => {
      ev.stopPropagation();
      if (ev.key === 'Enter') { ev.preventDefault(); go(); }
      if (ev.key === 'Escape') { ev.preventDefault(); dismiss(); }
    });
    box.append(input, confirm, cancel, err);
    closers.set(key, c);
    container.textContent = '';
    container.appendChild(box);
    refreshOpenTaskPopup(id);
    input.focus();
  }

  function relabelClosers() {
    closers.forEach((c) => {
      c.input.placeholder = t('task.reasonOptional');
      c.input.setAttribute('aria-label', t('task.reasonOptional'));
      if (!c.busy) c.confirm.textContent = t('task.closeConfirm');
      c.cancel.textContent = t('task.cancel');
    });
  }

  async function closeTask(id, c) {
    const reason = c.input.value.trim();
    c.busy = true;
    c.err.textContent = '';
    c.input.disabled = true;
    c.confirm.disabled = true;
    c.cancel.disabled = true;
    c.confirm.textContent = t('task.closing');
    try {
      const tk = await api('/api/tasks/' + encodeURIComponent(id) + '/close', { method: 'POST', body: { reason: reason || null } });
      closers.delete(id + '|row');
      closers.delete(id + '|popup');
      if (tk && tk.id === id) mergeTask(tk, false);
      renderTasks();
    } catch (e) {
      c.busy = false;
      c.input.disabled = false;
      c.confirm.disabled = false;
      c.cancel.disabled = false;
      c.confirm.textContent = t('task.closeConfirm');
      if (e.status !== 401) c.err.textContent = e.message;
    }
  }

  // ---- map

  const taskMarkers = new Map(); // id -> {marker, line, icon, popup:{box, details, actions, sig}}
  const taskRows = new Map();    // id -> {el, main, actions, sig}
  let tasksLayer = null;

  function buildTaskIcon(extraClass) {
    const root = el('div', 'task-icon' + (extraClass ? ' ' + extraClass : ''));
    const svgNS = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(svgNS, 'svg');
    svg.setAttribute('viewBox', '0 0 28 38');
    svg.setAttribute('width', '28');
    svg.setAttribute('height', '38');
    svg.setAttribute('class', 'task-svg');
    const pin = document.createElementNS(svgNS, 'path');
    pin.setAttribute('d', 'M14 1.5C7.1 1.5 2 6.6 2 13.3 2 22.3 14 36.5 14 36.5S26 22.3 26 13.3C26 6.6 20.9 1.5 14 1.5Z');
    pin.setAttribute('class', 'task-pin');
    const flag = document.createElementNS(svgNS, 'path');
    flag.setAttribute('d', 'M10 20V7.5 M10 7.5h8.5l-2.4 3.2 2.4 3.2H10');
    flag.setAttribute('class', 'task-flag');
    svg.append(pin, flag);
    const label = el('div', 'task-label');
    root.append(svg, label);
    return { root, pin, label };
  }

  function buildTaskPopupBox() {
    const box = el('div', 'popup popup-task');
    const details = el('div', 'popup-task-details');
    const actions = el('div', 'task-actions');
    box.append(details, actions);
    return { box, details, actions, sig: '' };
  }

  // Returns true when the content changed (the popup then needs an update()).
  function fillTaskPopup(p, tk) {
    const sig = [tk.state, tk.state_at, taskHistLen(tk), tk.reason, taskTeamLabel(tk), I.lang].join('|');
    let changed = false;
    if (p.sig !== sig) {
      changed = true;
      p.sig = sig;
      const d = p.details;
      d.textContent = '';
      const title = el('div', 'popup-title');
      title.append(el('span', null, t('task.task')), taskBadge(tk));
      d.appendChild(title);
      const dl = el('dl', 'kv');
      const row = (k, v, cls) => {
        dl.appendChild(el('dt', null, t(k)));
        dl.appendChild(el('dd', cls || null, v));
      };
      row('task.team', taskTeamLabel(tk));
      row('task.note', tk.note || '–', 'task-popup-note');
      row('task.created', t('task.createdBy', { time: fmtFull(tk.created_at) || '–', name: tk.created_by || '–' }));
      if (tk.reason) row('task.reason', String(tk.reason), tk.state === 'declined' ? 'task-reason-declined' : null);
      if (tk.sighting) {
        const s = state.sightings.get(tk.sighting);
        row('task.sighting', s ? tEnum('cat', s.category) + ' · ' + fmtHMS(s.time) : String(tk.sighting).slice(0, 8));
      }
      d.appendChild(dl);
      if (Array.isArray(tk.history) && tk.history.length) {
        const h = el('ol', 'task-history');
        tk.history.forEach((x) => {
          if (!x) return;
          const li = el('li');
          li.append(el('span', 'task-history-time', fmtHMS(x.at)), el('span', 'task-history-state tstate-text-' + taskStateClass(x.state), tEnum('tstate', x.state)));
          const extra = [x.by ? String(x.by) : '', x.reason ? String(x.reason) : ''].filter(Boolean).join(' · ');
          if (extra) li.appendChild(el('span', 'task-history-extra', extra));
          h.appendChild(li);
        });
        d.appendChild(h);
      }
    }
    return syncCloseArea(p.actions, tk, 'popup') || changed;
  }

  // Leaflet's update() takes the content out and puts it back, which loses the focus
  // (someone typing a reason): give it back.
  function updatePopupKeepFocus(marker) {
    const popup = marker.getPopup();
    const root = popup && popup.getElement();
    const a = document.activeElement;
    const had = !!(root && a && root.contains(a));
    const sel = had && typeof a.selectionStart === 'number' ? [a.selectionStart, a.selectionEnd] : null;
    popup.update();
    if (had && a.isConnected) {
      a.focus();
      if (sel) { try { a.setSelectionRange(sel[0], sel[1]); } catch (_) { /* not a text field */ } }
    }
  }

  function refreshOpenTaskPopup(id) {
    const m = taskMarkers.get(id);
    if (m && m.marker.isPopupOpen()) updatePopupKeepFocus(m.marker);
  }

  function renderTaskMarkers() {
    if (!map || !tasksLayer) return;
    taskMarkers.forEach((m, id) => {
      const tk = state.tasks.get(id);
      if (!tk || !isOpenTask(tk) || !taskPos(tk)) {
        m.marker.remove();
        m.line.remove();
        closers.delete(id + '|popup');
        taskMarkers.delete(id);
      }
    });
    // Oldest first, so that the newest is on top.
    const open = sortedTasks().filter(isOpenTask).reverse();
    open.forEach((tk, i) => {
      const pos = taskPos(tk);
      if (!pos) return;
      const colour = TASK_COLOURS[tk.state] || TASK_COLOURS.queued;
      let m = taskMarkers.get(tk.id);
      if (!m) {
        const icon = buildTaskIcon();
        const marker = L.marker(pos, {
          icon: L.divIcon({ html: icon.root, className: 'task-divicon', iconSize: [28, 38], iconAnchor: [14, 37], popupAnchor: [0, -34] }),
          keyboard: true, riseOnHover: true,
        });
        const popup = buildTaskPopupBox();
        marker.bindPopup(popup.box, { minWidth: 240, maxWidth: 320, autoPanPaddingTopLeft: L.point(60, 20) });
        marker.on('popupopen', () => {
          const cur = state.tasks.get(tk.id);
          if (cur) { fillTaskPopup(popup, cur); marker.getPopup().update(); }
        });
        const line = L.polyline([], { color: colour, weight: 2.5, opacity: 0.85, dashArray: '7 7', interactive: false });
        line.addTo(tasksLayer);
        marker.addTo(tasksLayer);
        m = { marker, line, icon, popup };
        taskMarkers.set(tk.id, m);
      }
      m.marker.setLatLng(pos);
      m.marker.setZIndexOffset(200 + i);
      m.icon.root.className = 'task-icon tstate-icon-' + taskStateClass(tk.state) + (tk.state === 'declined' ? ' task-icon-declined' : '');
      m.icon.pin.style.fill = colour;
      m.icon.label.textContent = String(tk.console) + (tk.sysid !== null && tk.sysid !== undefined ? ' #' + tk.sysid : '') + ' · ' + tEnum('tstate', tk.state);
      const from = taskOrigin(tk.console, tk.sysid, pos[0], pos[1]);
      m.line.setLatLngs(from ? [from, pos] : []);
      m.line.setStyle({ color: colour });
      if (m.marker.isPopupOpen() && fillTaskPopup(m.popup, tk)) updatePopupKeepFocus(m.marker);
    });
  }

  function centreOnTask(id) {
    const tk = state.tasks.get(id);
    const pos = taskPos(tk);
    if (!pos || !map) return;
    // Not animated: the popup's auto-pan would otherwise be measured mid-flight.
    map.setView(pos, Math.max(map.getZoom(), 16), { animate: false });
    const m = taskMarkers.get(id);
    if (m) { m.marker.openPopup(); return; }
    // A closed task has no marker: show its details in a plain popup.
    const p = buildTaskPopupBox();
    fillTaskPopup(p, tk);
    L.popup({ minWidth: 240, maxWidth: 320, offset: L.point(0, -4) }).setLatLng(pos).setContent(p.box).openOn(map);
  }

  // ---- pick mode and the form

  const taskUi = { picking: false, form: null, pending: null, pendingLine: null, sending: false, teams: '' };

  function setPicking(on) {
    if (on && (!isDispatcher() || !map)) return;
    taskUi.picking = !!on;
    if (map) map.getContainer().classList.toggle('picking', taskUi.picking);
    $('pick-hint').hidden = !taskUi.picking;
    $('task-start').setAttribute('aria-pressed', taskUi.picking ? 'true' : 'false');
    $('task-start').classList.toggle('active', taskUi.picking);
    if (taskUi.picking) {
      closeTaskForm();
      map.closePopup();
    }
  }

  function fleetConsoles() {
    const s = new Set();
    state.fleet.forEach((a) => s.add(String(a.console)));
    return Array.from(s).sort();
  }

  function fillTaskConsoles(selected) {
    const sel = $('task-console');
    const teams = fleetConsoles();
    taskUi.teams = teams.join('\n');
    sel.textContent = '';
    teams.forEach((c) => sel.appendChild(option(c, c)));
    if (selected && teams.indexOf(selected) >= 0) sel.value = selected;
    sel.disabled = teams.length === 0;
  }

  function fillTaskSysids(selected) {
    const sel = $('task-sysid');
    const team = $('task-console').value;
    sel.textContent = '';
    sel.appendChild(option('', t('task.any')));
    sortedFleet().filter((a) => String(a.console) === team).forEach((a) => {
      sel.appendChild(option(String(a.sysid), '#' + a.sysid + (a.callsign ? ' (' + a.callsign + ')' : '')));
    });
    sel.value = '';
    if (selected !== undefined && selected !== null && selected !== '') {
      sel.value = String(selected);
      if (sel.value !== String(selected)) sel.value = '';
    }
  }

  function updateNoteCount() {
    const n = $('task-note').value.length;
    const c = $('task-note-count');
    c.textContent = t('task.noteCount', { n });
    c.classList.toggle('over', n > NOTE_MAX);
  }

  function fillTaskWhere() {
    const f = taskUi.form;
    if (!f) return;
    let s = f.lat.toFixed(5) + ', ' + f.lon.toFixed(5);
    if (f.sighting) {
      const sg = state.sightings.get(f.sighting);
      s += ' · ' + t('task.fromSighting', { what: sg ? tEnum('cat', sg.category) + ' ' + fmtHMS(sg.time) : String(f.sighting).slice(0, 8) });
    }
    $('task-where').textContent = s;
  }

  function updatePending() {
    const f = taskUi.form;
    if (!f || !map || !tasksLayer) return;
    const pos = [f.lat, f.lon];
    if (!taskUi.pending) {
      const icon = buildTaskIcon('task-icon-pending');
      taskUi.pending = L.marker(pos, {
        icon: L.divIcon({ html: icon.root, className: 'task-divicon', iconSize: [28, 38], iconAnchor: [14, 37] }),
        interactive: false, keyboard: false, zIndexOffset: 1000,
      }).addTo(tasksLayer);
      taskUi.pendingLine = L.polyline([], { color: '#1b2430', weight: 2, opacity: 0.7, dashArray: '4 6', interactive: false }).addTo(tasksLayer);
    }
    taskUi.pending.setLatLng(pos);
    const from = taskOrigin($('task-console').value, $('task-sysid').value, f.lat, f.lon);
    taskUi.pendingLine.setLatLngs(from ? [from, pos] : []);
  }

  function openTaskForm(lat, lon, sightingId) {
    const la = Number(lat), lo = Number(lon);
    if (!isFinite(la) || !isFinite(lo) || Math.abs(la) > 90 || Math.abs(lo) > 180) return false;
    if (!isDispatcher() || !map) return false;
    if (taskUi.picking) setPicking(false);
    const sid = sightingId ? String(sightingId) : null;
    taskUi.form = { lat: la, lon: lo, sighting: sid };
    const near = nearestAircraft(la, lo);
    fillTaskConsoles(near ? String(near.console) : '');
    fillTaskSysids('');
    const sg = sid ? state.sightings.get(sid) : null;
    let note = '';
    if (sg) note = tEnum('cat', sg.category) + (sg.note ? ': ' + sg.note : '');
    $('task-note').value = note.slice(0, NOTE_MAX);
    $('task-note').placeholder = t('task.notePlaceholder');
    $('task-error').textContent = fleetConsoles().length ? '' : t('task.noTeams');
    fillTaskWhere();
    updateNoteCount();
    map.closePopup();
    $('task-form').hidden = false;
    updatePending();
    keepPointClearOfForm(L.latLng(la, lo));
    setTimeout(() => { const n = $('task-note'); n.focus(); n.setSelectionRange(n.value.length, n.value.length); }, 0);
    return true;
  }

  // Pan so that the point is on screen and not under the form (which covers the map's top right).
  function keepPointClearOfForm(ll) {
    const size = map.getSize();
    const form = $('task-form');
    const fw = form.offsetWidth + 24, fh = form.offsetHeight + 24;
    const p = map.latLngToContainerPoint(ll);
    const hidden = p.x < 30 || p.y < 30 || p.x > size.x - 30 || p.y > size.y - 30 ||
      (p.x > size.x - fw && p.y < fh);
    if (!hidden) return;
    const free = Math.max(60, size.x - fw);
    map.panBy([p.x - free / 2, p.y - size.y / 2]);
  }

  function closeTaskForm() {
    taskUi.form = null;
    $('task-form').hidden = true;
    $('task-error').textContent = '';
    if (taskUi.pending) { taskUi.pending.remove(); taskUi.pending = null; }
    if (taskUi.pendingLine) { taskUi.pendingLine.remove(); taskUi.pendingLine = null; }
  }

  async function sendTask(ev) {
    if (ev) ev.preventDefault();
    const f = taskUi.form;
    if (!f || taskUi.sending) return;
    const errEl = $('task-error');
    const team = $('task-console').value;
    const sys = $('task-sysid').value;
    const note = $('task-note').value.trim();
    if (!team) { errEl.textContent = t(fleetConsoles().length ? 'task.noTeamSel' : 'task.noTeams'); return; }
    if (!note) { errEl.textContent = t('task.noteRequired'); $('task-note').focus(); return; }
    errEl.textContent = '';
    const body = { console: team, sysid: sys === '' ? null : Number(sys), lat: f.lat, lon: f.lon, note, sighting: f.sighting };
    const btn = $('task-send');
    taskUi.sending = true;
    btn.disabled = true;
    btn.textContent = t('task.sending');
    try {
      const tk = await api('/api/tasks', { method: 'POST', body });
      if (tk && typeof tk.id === 'string') mergeTask(tk, false);
      renderTasks();
      if (taskUi.form === f) closeTaskForm();
      toast(t('task.sent', { team: team + (body.sysid !== null ? ' · ' + sysidLabel(team, body.sysid) : '') }));
    } catch (e) {
      if (e.status !== 401 && taskUi.form === f) errEl.textContent = e.message;
    } finally {
      taskUi.sending = false;
      btn.disabled = false;
      btn.textContent = t('task.send');
    }
  }

  // The fleet changed: keep the form's team list current and the lines attached.
  function tasksOnFleet() {
    if (taskUi.form) {
      if (fleetConsoles().join('\n') !== taskUi.teams) {
        const cur = $('task-console').value;
        const curSys = $('task-sysid').value;
        fillTaskConsoles(cur);
        if ($('task-console').value !== cur) fillTaskSysids(''); else fillTaskSysids(curSys);
      }
      updatePending();
    }
    renderTaskMarkers();
  }

  function taskHereButton(s) {
    if (!isDispatcher() || !sightingPos(s)) return null;
    const btn = el('button', 'btn-ack btn-task-here', t('task.here'));
    btn.type = 'button';
    btn.setAttribute('data-testid', 'task-here');
    btn.addEventListener('click', (ev) => {
      ev.stopPropagation();
      const cur = state.sightings.get(s.id) || s;
      const pos = sightingPos(cur);
      if (pos) openTaskForm(pos[0], pos[1], s.id);
    });
    return btn;
  }

  function loadPanelState() {
    ['panel-fleet', 'panel-tasks'].forEach((id) => {
      let collapsed = false;
      try { collapsed = window.localStorage.getItem('kestrel.collapsed.' + id) === '1'; } catch (_) { /* ignore */ }
      setPanelCollapsed(id, collapsed);
    });
  }

  function setPanelCollapsed(id, collapsed) {
    const p = $(id);
    p.classList.toggle('collapsed', collapsed);
    const b = p.querySelector('.panel-toggle');
    if (b) b.setAttribute('aria-expanded', collapsed ? 'false' : 'true');
    try { window.localStorage.setItem('kestrel.collapsed.' + id, collapsed ? '1' : '0'); } catch (_) { /* ignore */ }
  }

  function wireTasks() {
    loadPanelState();
    $('task-start').title = t('task.startTitle');
    document.querySelectorAll('.panel-toggle').forEach((b) => {
      b.addEventListener('click', () => {
        const p = b.closest('.panel');
        setPanelCollapsed(p.id, !p.classList.contains('collapsed'));
      });
    });
    $('task-start').addEventListener('click', () => setPicking(!taskUi.picking));
    $('pick-cancel').addEventListener('click', () => setPicking(false));
    $('task-form').addEventListener('submit', sendTask);
    $('task-cancel').addEventListener('click', closeTaskForm);
    $('task-console').addEventListener('change', () => { fillTaskSysids(''); updatePending(); });
    $('task-sysid').addEventListener('change', updatePending);
    $('task-note').addEventListener('input', () => { updateNoteCount(); if ($('task-note').value.trim()) $('task-error').textContent = ''; });
    $('task-form').addEventListener('keydown', (ev) => {
      // Ctrl+Enter in the note sends.
      if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); sendTask(); }
    });
    $('tasks-filter').addEventListener('change', (ev) => { state.taskFilter = ev.target.value; renderTasks(); });
  }

  function onTaskLang() {
    relabelClosers();
    $('task-start').title = t('task.startTitle');
    if (taskUi.form) {
      const cur = $('task-sysid').value;
      fillTaskSysids(cur);
      fillTaskWhere();
      updateNoteCount();
      $('task-note').placeholder = t('task.notePlaceholder');
    }
    if (!taskUi.sending) $('task-send').textContent = t('task.send');
    taskMarkers.forEach((m, id) => {
      const tk = state.tasks.get(id);
      if (tk && m.marker.isPopupOpen() && fillTaskPopup(m.popup, tk)) updatePopupKeepFocus(m.marker);
    });
  }

  // ---------------------------------------------------------------- picture overlay

  function openPicture(id) {
    const s = state.sightings.get(id);
    if (!s || !s.snapshot) return;
    const ov = $('picture-overlay');
    const img = $('picture-full');
    img.src = snapshotUrl(s);
    img.alt = tEnum('cat', s.category);
    ov.hidden = false;
  }

  function closePicture() {
    const ov = $('picture-overlay');
    if (ov.hidden) return;
    ov.hidden = true;
    $('picture-full').removeAttribute('src');
  }

  // ---------------------------------------------------------------- filters

  function option(value, label) {
    const o = document.createElement('option');
    o.value = value;
    o.textContent = label;
    return o;
  }

  function buildFilters() {
    refreshTeamFilter();
    const cat = $('filter-category');
    cat.textContent = '';
    cat.appendChild(option('', t('filter.allCategories')));
    I.CATEGORIES.forEach((c) => cat.appendChild(option(c, tEnum('cat', c))));
    cat.value = state.filters.category;
    const st = $('filter-state');
    st.textContent = '';
    st.append(option('all', t('filter.stateAll')), option('unacked', t('filter.stateUnacked')), option('acked', t('filter.stateAcked')));
    st.value = state.filters.state;
    const tm = $('filter-time');
    tm.textContent = '';
    tm.append(option('1', t('filter.time1')), option('8', t('filter.time8')), option('24', t('filter.time24')), option('all', t('filter.timeAll')));
    tm.value = state.filters.time;
    const tf = $('tasks-filter');
    tf.textContent = '';
    tf.append(option('open', t('tasks.filterOpen')), option('all', t('tasks.filterAll')));
    tf.value = state.taskFilter;
  }

  function refreshTeamFilter() {
    const sel = $('filter-team');
    const cur = state.filters.team;
    sel.textContent = '';
    sel.appendChild(option('', t('filter.allTeams')));
    Array.from(state.consoles).sort().forEach((c) => sel.appendChild(option(c, c)));
    if (cur && !state.consoles.has(cur)) sel.appendChild(option(cur, cur));
    sel.value = cur;
  }

  // ---------------------------------------------------------------- live events

  function closeEvents() {
    clearTimeout(state.esRetry);
    state.esRetry = null;
    if (state.es) { state.es.close(); state.es = null; }
    setConn('reconnecting');
  }

  function openEvents() {
    closeEvents();
    const es = new EventSource('/api/events');
    state.es = es;
    es.addEventListener('open', () => {
      if (state.es !== es) return;
      state.esBackoff = 2000;
      state.lastEventAt = performance.now();
      setConn('live');
      loadSightings();
      loadTasks();
      loadFleet();
      if (!state.areasLoaded) loadAreas();
    });
    es.addEventListener('fleet', (ev) => {
      if (state.es !== es) return;
      let body;
      try { body = JSON.parse(ev.data); } catch (_) { return; }
      state.lastEventAt = performance.now();
      setConn('live');
      applyFleet(body);
    });
    es.addEventListener('sighting', (ev) => {
      if (state.es !== es) return;
      let s;
      try { s = JSON.parse(ev.data); } catch (_) { return; }
      state.lastEventAt = performance.now();
      if (mergeSighting(s, true)) renderSightings();
    });
    es.addEventListener('task', (ev) => {
      if (state.es !== es) return;
      let tk;
      try { tk = JSON.parse(ev.data); } catch (_) { return; }
      state.lastEventAt = performance.now();
      if (mergeTask(tk, true)) renderTasks();
    });
    es.addEventListener('error', () => {
      if (state.es !== es) return;
      setConn('reconnecting');
      if (es.readyState === EventSource.CLOSED) {
        // The browser gave up (an HTTP error such as 401, or not an event stream):
        // find out whether the session is gone, else try again later ourselves.
        state.es = null;
        checkSessionThenRetry();
      }
      // readyState CONNECTING: the browser reconnects by itself.
    });
  }

  async function checkSessionThenRetry() {
    try {
      const me = await api('/api/me', { allow401: true });
      if (me && me.logged_in === false) { sessionExpired(); return; }
      if (me && me.csrf) state.me = Object.assign({}, state.me, me);
    } catch (e) {
      if (e.status === 401) { sessionExpired(); return; }
    }
    const delay = state.esBackoff;
    state.esBackoff = Math.min(state.esBackoff * 2, 30000);
    clearTimeout(state.esRetry);
    state.esRetry = setTimeout(() => {
      if ($('app').getAttribute('data-state') === 'ready') openEvents();
    }, delay);
  }

  // ---------------------------------------------------------------- wiring

  function renderAll() {
    renderHeader();
    renderFleet();
    renderTasks();
    renderSightings();
  }

  function wireUi() {
    $('login-form').addEventListener('submit', onLoginSubmit);
    $('logout').addEventListener('click', onLogout);
    $('lang-zh').addEventListener('click', () => I.setLang('zh'));
    $('lang-en').addEventListener('click', () => I.setLang('en'));
    I.onChange(() => {
      buildFilters();
      renderAll();
      onTaskLang();
      if (map) {
        addZoomControl();
        state.fleet.forEach((a) => updateAircraftOnMap(a));
        sightingMarkers.forEach((m, id) => { if (m.isPopupOpen()) m.getPopup().setContent(buildSightingPopup(state.sightings.get(id))); });
      }
      const btn = $('login-submit');
      if (!btn.disabled) btn.textContent = t('login.submit');
    });
    const bindFilter = (id, key) => $(id).addEventListener('change', (ev) => { state.filters[key] = ev.target.value; renderSightings(); });
    bindFilter('filter-team', 'team');
    bindFilter('filter-category', 'category');
    bindFilter('filter-state', 'state');
    bindFilter('filter-time', 'time');
    $('picture-overlay').addEventListener('click', closePicture);
    document.addEventListener('keydown', (ev) => {
      if (ev.key !== 'Escape') return;
      if (!$('picture-overlay').hidden) { closePicture(); return; }
      if (!$('video-panel').hidden && !taskUi.picking && !taskUi.form) { closeVideo(); return; }
      if (taskUi.picking) { setPicking(false); return; }
      if (taskUi.form) closeTaskForm();
    });
    wireTasks();
    $('video-close').addEventListener('click', () => closeVideo());
    window.addEventListener('pagehide', () => closeVideo(true));

    // Every second: tick "last heard" / "quiet for", expire highlights.
    setInterval(() => {
      if ($('app').getAttribute('data-state') !== 'ready') return;
      if (state.es && state.es.readyState === EventSource.OPEN &&
          performance.now() - state.lastEventAt > STREAM_SILENCE_MS) {
        openEvents(); // silent too long: drop it and connect again
      }
      fleetRows.forEach((r, key) => { const a = state.fleet.get(key); if (a) fillFleetRow(r, a); });
      aircraftLayers.forEach((L1, key) => {
        const a = state.fleet.get(key);
        if (a && L1.marker.isPopupOpen()) L1.marker.getPopup().setContent(buildAircraftPopup(a));
      });
      const now = performance.now();
      let expired = false;
      flashing.forEach((until, id) => { if (until <= now) { flashing.delete(id); expired = true; } });
      if (expired) renderSightings();
    }, 1000);
    // The time filter moves with the clock.
    setInterval(() => {
      if ($('app').getAttribute('data-state') === 'ready' && state.filters.time !== 'all') renderSightings();
    }, 30000);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  else boot();
})();
