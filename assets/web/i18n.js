// Kestrel command centre: user-visible strings in Simplified Chinese and English.
// Plain script (no modules, no build step); defines window.KestrelI18n.
(function () {
  'use strict';

  const STRINGS = {
    en: {
      'doc.title': 'Kestrel Command Centre',
      'app.title': 'Kestrel Command Centre',
      'header.dispatch': 'Dispatch',
      'header.logout': 'Log out',
      'header.language': 'Language',
      'role.dispatcher': 'dispatcher',
      'role.viewer': 'viewer',
      'conn.live': 'Live',
      'conn.reconnecting': 'Reconnecting…',
      'login.heading': 'Sign in',
      'login.name': 'Name',
      'login.password': 'Password',
      'login.submit': 'Sign in',
      'login.busy': 'Signing in…',
      'login.failed': 'Sign-in failed.',
      'login.wait': 'Try again in {s} s.',
      'login.expired': 'Your session has ended. Please sign in again.',
      'fleet.heading': 'Fleet',
      'fleet.empty': 'No aircraft heard yet.',
      'fleet.noPosition': 'no position',
      'fleet.armed': 'armed',
      'fleet.disarmed': 'disarmed',
      'fleet.quietFor': 'quiet for {d}',
      'fleet.quiet': 'quiet',
      'fleet.altShort': 'alt',
      'fleet.batShort': 'bat',
      'ac.team': 'Team',
      'ac.callsign': 'Callsign',
      'ac.mode': 'Mode',
      'ac.alt': 'Altitude (rel)',
      'ac.battery': 'Battery',
      'ac.link': 'Link',
      'ac.speed': 'Speed',
      'ac.lastHeard': 'Last heard',
      'ac.agoFmt': '{d} ago',
      'link.ok': 'ok',
      'link.connected': 'connected',
      'link.lost': 'lost',
      'link.degraded': 'degraded',
      'link.unknown': 'unknown',
      'dur.s': '{n} s',
      'dur.min': '{n} min',
      'unit.m': '{n} m',
      'unit.ms': '{n} m/s',
      'unit.pct': '{n} %',
      'sightings.heading': 'Sightings',
      'sightings.empty': 'No sightings match the filters.',
      'sightings.showing': 'showing {n} of {total}',
      'filter.team': 'Team',
      'filter.category': 'Category',
      'filter.state': 'State',
      'filter.time': 'Time',
      'filter.allTeams': 'All teams',
      'filter.allCategories': 'All categories',
      'filter.stateAll': 'All',
      'filter.stateUnacked': 'Unacknowledged',
      'filter.stateAcked': 'Acknowledged',
      'filter.time1': 'Last 1 h',
      'filter.time8': 'Last 8 h',
      'filter.time24': 'Last 24 h',
      'filter.timeAll': 'All time',
      'sighting.unacked': 'unacknowledged',
      'sighting.ackedBy': 'acknowledged by {name} at {time}',
      'sighting.ack': 'Acknowledge',
      'sighting.acking': 'Acknowledging…',
      'sighting.noPicture': 'no picture',
      'sighting.category': 'Category',
      'sighting.priority': 'Priority',
      'sighting.note': 'Note',
      'sighting.time': 'Time',
      'sighting.team': 'Team',
      'sighting.aircraft': 'Aircraft',
      'sighting.openPicture': 'Open the full picture',
      'sighting.closePicture': 'Click anywhere to close',
      'cat.person': 'person',
      'cat.vehicle': 'vehicle',
      'cat.crowd': 'crowd',
      'cat.traffic_incident': 'traffic incident',
      'cat.fire': 'fire',
      'cat.rescue': 'rescue',
      'cat.other': 'other',
      'prio.low': 'low',
      'prio.normal': 'normal',
      'prio.high': 'high',
      'prio.urgent': 'urgent',
      'err.network': 'The command-centre server cannot be reached. Retrying…',
      'err.unreachable': 'The command-centre server cannot be reached.',
      'err.generic': 'Something went wrong (HTTP {status}).',
      'err.ackFailed': 'Acknowledging failed: {msg}',
      'err.noPosition': 'This aircraft has no position yet.',
      'map.quiet': 'quiet',
      'map.zoomIn': 'Zoom in',
      'map.zoomOut': 'Zoom out',
      'map.closePopup': 'Close',
    },
    zh: {
      'doc.title': 'Kestrel 指挥中心',
      'app.title': 'Kestrel 指挥中心',
      'header.dispatch': '调度台',
      'header.logout': '退出登录',
      'header.language': '语言',
      'role.dispatcher': '调度员',
      'role.viewer': '观察员',
      'conn.live': '实时',
      'conn.reconnecting': '正在重新连接…',
      'login.heading': '登录',
      'login.name': '用户名',
      'login.password': '密码',
      'login.submit': '登录',
      'login.busy': '正在登录…',
      'login.failed': '登录失败。',
      'login.wait': '请在 {s} 秒后重试。',
      'login.expired': '会话已结束，请重新登录。',
      'fleet.heading': '机队',
      'fleet.empty': '尚未收到任何飞机的信息。',
      'fleet.noPosition': '无位置',
      'fleet.armed': '已解锁',
      'fleet.disarmed': '已上锁',
      'fleet.quietFor': '静默 {d}',
      'fleet.quiet': '静默',
      'fleet.altShort': '高度',
      'fleet.batShort': '电量',
      'ac.team': '小组',
      'ac.callsign': '呼号',
      'ac.mode': '模式',
      'ac.alt': '相对高度',
      'ac.battery': '电量',
      'ac.link': '链路',
      'ac.speed': '速度',
      'ac.lastHeard': '最后收到',
      'ac.agoFmt': '{d}前',
      'link.ok': '正常',
      'link.connected': '正常',
      'link.lost': '丢失',
      'link.degraded': '不稳定',
      'link.unknown': '未知',
      'dur.s': '{n} 秒',
      'dur.min': '{n} 分钟',
      'unit.m': '{n} 米',
      'unit.ms': '{n} 米/秒',
      'unit.pct': '{n}%',
      'sightings.heading': '发现情况',
      'sightings.empty': '没有符合筛选条件的发现。',
      'sightings.showing': '显示 {n} / 共 {total} 条',
      'filter.team': '小组',
      'filter.category': '类别',
      'filter.state': '状态',
      'filter.time': '时间',
      'filter.allTeams': '全部小组',
      'filter.allCategories': '全部类别',
      'filter.stateAll': '全部',
      'filter.stateUnacked': '未确认',
      'filter.stateAcked': '已确认',
      'filter.time1': '最近 1 小时',
      'filter.time8': '最近 8 小时',
      'filter.time24': '最近 24 小时',
      'filter.timeAll': '全部时间',
      'sighting.unacked': '未确认',
      'sighting.ackedBy': '已由 {name} 于 {time} 确认',
      'sighting.ack': '确认',
      'sighting.acking': '正在确认…',
      'sighting.noPicture': '无图片',
      'sighting.category': '类别',
      'sighting.priority': '优先级',
      'sighting.note': '备注',
      'sighting.time': '时间',
      'sighting.team': '小组',
      'sighting.aircraft': '飞机',
      'sighting.openPicture': '打开完整图片',
      'sighting.closePicture': '点击任意位置关闭',
      'cat.person': '人员',
      'cat.vehicle': '车辆',
      'cat.crowd': '人群',
      'cat.traffic_incident': '交通事故',
      'cat.fire': '火情',
      'cat.rescue': '救援',
      'cat.other': '其他',
      'prio.low': '低',
      'prio.normal': '普通',
      'prio.high': '高',
      'prio.urgent': '紧急',
      'err.network': '无法连接指挥中心服务器，正在重试…',
      'err.unreachable': '无法连接指挥中心服务器。',
      'err.generic': '出现错误（HTTP {status}）。',
      'err.ackFailed': '确认失败：{msg}',
      'err.noPosition': '这架飞机还没有位置。',
      'map.quiet': '静默',
      'map.zoomIn': '放大',
      'map.zoomOut': '缩小',
      'map.closePopup': '关闭',
    },
  };

  const STORAGE_KEY = 'kestrel.lang';
  const listeners = [];

  function initialLang() {
    try {
      const saved = window.localStorage.getItem(STORAGE_KEY);
      if (saved === 'zh' || saved === 'en') return saved;
    } catch (_) { /* storage may be disabled */ }
    const nav = (navigator.languages && navigator.languages[0]) || navigator.language || '';
    return /^zh/i.test(nav) ? 'zh' : 'en';
  }

  let lang = initialLang();

  function t(key, params) {
    let s = (STRINGS[lang] && STRINGS[lang][key]);
    if (s === undefined) s = STRINGS.en[key];
    if (s === undefined) s = key;
    if (params) {
      s = s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
    }
    return s;
  }

  // A translated label for an enumerated server value (category, priority, link...),
  // falling back to the raw value for anything this page does not know.
  function tEnum(prefix, value) {
    if (value === null || value === undefined || value === '') return '–';
    const key = prefix + '.' + value;
    if ((STRINGS[lang] && key in STRINGS[lang]) || key in STRINGS.en) return t(key);
    return String(value);
  }

  function setLang(l) {
    if (l !== 'zh' && l !== 'en') return;
    lang = l;
    try { window.localStorage.setItem(STORAGE_KEY, l); } catch (_) { /* ignore */ }
    apply();
    listeners.forEach((fn) => fn(l));
  }

  // Fill every element carrying data-i18n (textContent), data-i18n-title,
  // data-i18n-placeholder and data-i18n-aria.
  function apply(root) {
    const r = root || document;
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title = t('doc.title');
    r.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
    r.querySelectorAll('[data-i18n-title]').forEach((el) => { el.title = t(el.dataset.i18nTitle); });
    r.querySelectorAll('[data-i18n-placeholder]').forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
    r.querySelectorAll('[data-i18n-aria]').forEach((el) => { el.setAttribute('aria-label', t(el.dataset.i18nAria)); });
  }

  window.KestrelI18n = {
    t,
    tEnum,
    setLang,
    apply,
    get lang() { return lang; },
    onChange(fn) { listeners.push(fn); },
    CATEGORIES: ['person', 'vehicle', 'crowd', 'traffic_incident', 'fire', 'rescue', 'other'],
    PRIORITIES: ['low', 'normal', 'high', 'urgent'],
  };
})();
