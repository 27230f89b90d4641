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
  window.kestrel = { map: null, aircraftMarkers: aircraftMarkersObj, sightings: sightingsObj };

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
    openEvents();
  }

  function clearData() {
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
    $('fleet-list').textContent = '';
    $('sightings-list').textContent = '';
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
    line1.append(name, mode, quiet);
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
    row.append(thumbBox, body);
    return { el: row, thumbBox, body, sig: '' };
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
    box.appendChild(ackNode(s, true));
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
    document.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') closePicture(); });

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
