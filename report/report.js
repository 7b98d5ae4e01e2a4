// The attune report: draws the run's aggregates (the JSON in #attune-data, written by
// `attune report`) with Chart.js and cytoscape, both inlined in the page. Charts and the
// network are exposed on window.attuneReport for the end-to-end test, which checks that each
// drew something; window.attuneReport.ready turns true when everything is drawn.
(function () {
  'use strict';

  const report = { charts: {}, network: null, notes: [], ready: false };
  window.attuneReport = report;
  const data = JSON.parse(document.getElementById('attune-data').textContent);
  let manifest = null;
  try {
    manifest = data.manifest ? JSON.parse(data.manifest) : null;
  } catch (e) {
    manifest = null;
  }

  Chart.defaults.animation = false;
  Chart.defaults.responsive = true;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = 'system-ui, "DejaVu Sans", sans-serif';
  Chart.defaults.plugins.legend.labels.boxWidth = 14;

  const COLORS = ['#2c6e9b', '#c0392b', '#e67e22', '#1e8449', '#8e44ad', '#7f8c8d', '#16a085',
    '#d35400'];
  const CLASS_COLORS = ['#1a9850', '#4575b4', '#fdae61', '#d73027'];
  const CHILD_CLASSES = ['secure', 'avoidant', 'resistant', 'disorganized'];
  const ADULT_CLASSES = ['secure', 'dismissing', 'preoccupied', 'unresolved'];
  const BANDS = ['0-11', '12-17', '18-34', '35-54', '55+'];
  const ACE = ['0', '1', '2', '3', '4+'];
  const DOSE = ['1-2', '3-5', '6-10', '11-20', '21+'];
  const WEEKS_A_YEAR = 52;

  // ---------------------------------------------------------------------------------------
  // Helpers

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return e;
  }

  function note(container, text) {
    report.notes.push(text);
    container.appendChild(el('p', { class: 'note', text: text }));
  }

  function fmt(v, digits) {
    if (v === null || v === undefined || Number.isNaN(v)) return '–';
    if (typeof v !== 'number') return String(v);
    if (Number.isInteger(v) && Math.abs(v) < 1e15) return v.toLocaleString('en');
    return v.toPrecision(digits || 3);
  }

  // A chart in a <figure> of `container`, kept in report.charts[key].
  function chart(container, key, caption, config) {
    const canvas = el('canvas', { id: 'chart-' + key, 'aria-label': caption, role: 'img' });
    const fig = el('figure', { 'data-chart': key }, el('div', { class: 'plot' }, canvas),
      el('figcaption', { text: caption }));
    container.appendChild(fig);
    report.charts[key] = new Chart(canvas, config);
    return report.charts[key];
  }

  function lineDataset(label, points, k, extra) {
    return Object.assign({
      label: label,
      data: points,
      borderColor: COLORS[k % COLORS.length],
      backgroundColor: COLORS[k % COLORS.length],
      borderWidth: 2,
      pointRadius: 0,
      tension: 0,
    }, extra || {});
  }

  function linearAxis(title, extra) {
    return Object.assign({ type: 'linear', title: { display: true, text: title } }, extra || {});
  }

  function yearsOfMetrics() {
    return (data.metrics.week || []).map((w) => w / WEEKS_A_YEAR);
  }

  function metricPoints(name) {
    const col = data.metrics[name];
    if (!col) return null;
    const years = yearsOfMetrics();
    return col.map((v, i) => ({ x: years[i], y: v }));
  }

  function eventsPerYear(type) {
    const t = data.events.types.find((e) => e.type === type);
    return t ? t.per_year : null;
  }

  function yearLabels() {
    const labels = [];
    for (let y = 1; y <= data.years; y++) labels.push(String(y));
    return labels;
  }

  function sum(a) {
    return a.reduce((s, v) => s + v, 0);
  }

  function table(headers, rows, classes) {
    const t = el('table');
    t.appendChild(el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { text: h })))));
    const body = el('tbody');
    rows.forEach((r, i) => {
      const tr = el('tr', classes && classes[i] ? { class: classes[i] } : {});
      r.forEach((cell) => {
        if (cell instanceof Node) tr.appendChild(el('td', {}, cell));
        else tr.appendChild(el('td', typeof cell === 'number' ? { class: 'num', text: fmt(cell) }
          : { text: cell === null || cell === undefined ? '' : String(cell) }));
      });
      body.appendChild(tr);
    });
    t.appendChild(body);
    return t;
  }

  // ---------------------------------------------------------------------------------------
  // Summary and contents

  function summary() {
    const box = document.getElementById('summary');
    const m = data.metrics;
    const last = (name) => (m[name] && m[name].length ? m[name][m[name].length - 1] : null);
    const cards = [
      ['people at the end', last('people')],
      ['ties at the end', last('ties')],
      ['years simulated', m.week && m.week.length ? last('week') / WEEKS_A_YEAR : null],
      ['mean well-being', last('wellbeing_mean')],
      ['in distress', last('distress_share')],
      ['coping', last('coping_share')],
      ['adults secure', last('adult_secure_share')],
      ['events', data.events.total],
    ];
    if (manifest) cards.push(['seed', manifest.seed]);
    for (const [label, value] of cards) {
      if (value === null || value === undefined) continue;
      box.appendChild(el('div', { class: 'card' }, el('div', { class: 'value', text: fmt(value) }),
        el('div', { class: 'label', text: label })));
    }
    if (manifest && manifest.complete === false) {
      note(box, 'This run is incomplete: it was interrupted after week ' + manifest.weeks +
        ' of ' + manifest.weeks_planned + '. Resume it with attune run --resume.');
    }
    const toc = document.getElementById('toc');
    document.querySelectorAll('main section').forEach((s) => {
      toc.appendChild(el('a', { href: '#' + s.id, text: s.querySelector('h2').textContent }));
    });
  }

  // ---------------------------------------------------------------------------------------
  // Well-being, distress and coping

  function wellbeing() {
    const box = document.getElementById('wellbeing-charts');
    const series = [['wellbeing_mean', 'well-being (mean)'], ['distress_share', 'in a distress episode'],
      ['coping_share', 'coping']];
    const sets = series.map(([name, label], k) => {
      const p = metricPoints(name);
      return p ? lineDataset(label, p, k) : null;
    }).filter(Boolean);
    if (sets.length === 0) {
      note(box, 'metrics.csv has none of wellbeing_mean, distress_share, coping_share.');
    } else {
      chart(box, 'wellbeing', 'Well-being, distress and coping over time (metrics.csv, weekly).', {
        type: 'line',
        data: { datasets: sets },
        options: { parsing: false, scales: { x: linearAxis('years'),
          y: linearAxis('mean or share of people', { min: 0, max: 1 }) } },
      });
    }
    const inner = [['self_worth_mean', 'self-worth'], ['anxiety_mean', 'anxiety'],
      ['avoidance_mean', 'avoidance'], ['disorganization_mean', 'disorganization'],
      ['unmet_need_mean', 'unmet need'], ['adult_secure_share', 'adults secure (share)']];
    const innerSets = inner.map(([name, label], k) => {
      const p = metricPoints(name);
      return p ? lineDataset(label, p, k + 3) : null;
    }).filter(Boolean);
    if (innerSets.length) {
      chart(box, 'inner', 'The working model and the self, population means (metrics.csv).', {
        type: 'line',
        data: { datasets: innerSets },
        options: { parsing: false, scales: { x: linearAxis('years'),
          y: linearAxis('mean or share', { min: 0, max: 1 }) } },
      });
    }
    const kinds = [['distress_onset', 'distress episodes began'], ['recovery', 'recoveries'],
      ['coping_onset', 'coping began'], ['coping_end', 'coping ended']];
    const epSets = kinds.map(([type, label], k) => {
      const v = eventsPerYear(type);
      return v ? { label: label, data: v, backgroundColor: COLORS[k] } : null;
    }).filter(Boolean);
    if (epSets.length) {
      chart(box, 'episodes', 'Episodes of distress and of coping that began and ended each year ' +
        '(events.csv).', {
        type: 'bar',
        data: { labels: yearLabels(), datasets: epSets },
        options: { scales: { x: { title: { display: true, text: 'year of the run' } },
          y: { title: { display: true, text: 'people a year' }, beginAtZero: true } } },
      });
    }
  }

  // ---------------------------------------------------------------------------------------
  // Attachment

  function attachment() {
    const box = document.getElementById('attachment-charts');
    const panel = data.panel;
    if (!panel) {
      note(box, 'No attachment classes by age band: ' + (data.panel_note || 'no panel.csv') + '.');
    } else {
      const labels = panel.weeks.map((w) => fmt(w / WEEKS_A_YEAR, 3));
      BANDS.forEach((band, b) => {
        const counts = panel.classes.map((wave) => wave[b]);
        const totals = counts.map((c) => sum(c));
        if (sum(totals) === 0) return;
        const names = b < 2 ? CHILD_CLASSES : ADULT_CLASSES;
        const sets = names.map((name, c) => ({
          label: name,
          data: counts.map((cc, w) => (totals[w] ? cc[c] / totals[w] : null)),
          backgroundColor: CLASS_COLORS[c],
        }));
        const n = Math.round(sum(totals) / totals.length);
        chart(box, 'attachment-' + b, 'Ages ' + band + ': share of each class (about ' + n +
          ' people a wave).', {
          type: 'bar',
          data: { labels: labels, datasets: sets },
          options: { scales: { x: { stacked: true, title: { display: true, text: 'years' } },
            y: { stacked: true, min: 0, max: 1, title: { display: true, text: 'share' } } } },
        });
      });
    }
    const infant = data.infant || [];
    if (infant.some((y) => sum(y) > 0)) {
      chart(box, 'infant', 'Infants assessed at 18 months, by class, each year (events.csv).', {
        type: 'bar',
        data: { labels: yearLabels(), datasets: CHILD_CLASSES.map((name, c) => ({
          label: name, data: infant.map((y) => y[c]), backgroundColor: CLASS_COLORS[c] })) },
        options: { scales: { x: { stacked: true, title: { display: true, text: 'year of the run' } },
          y: { stacked: true, beginAtZero: true, title: { display: true, text: 'infants' } } } },
      });
    } else {
      note(box, 'No infant was assessed at 18 months in this run.');
    }
  }

  // ---------------------------------------------------------------------------------------
  // Adverse childhood experiences and coping

  function ace() {
    const box = document.getElementById('ace-charts');
    const a = data.ace;
    const total = sum(a.n);
    if (total === 0) {
      note(box, 'Nobody born during this run was 10 or older at its end, so there is no ' +
        'gradient to show: run it for more than ten years.');
      return;
    }
    const share = (k) => a.n.map((n, b) => (n ? a[k][b] / n : null));
    chart(box, 'ace', 'Coping and distress by adverse childhood experiences (' + fmt(total) +
      ' people: ' + a.n.map((n, b) => ACE[b] + ': ' + n).join(', ') + ').', {
      type: 'bar',
      data: { labels: ACE, datasets: [
        { label: 'ever began coping', data: share('ever'), backgroundColor: COLORS[1] },
        { label: 'coping at the end', data: share('now'), backgroundColor: COLORS[2] },
        { label: 'ever in a distress episode', data: share('distress'), backgroundColor: COLORS[4] }] },
      options: { scales: {
        x: { title: { display: true, text: 'kinds of adverse childhood experience' } },
        y: { beginAtZero: true, title: { display: true, text: 'share of people' } } } },
    });
  }

  // ---------------------------------------------------------------------------------------
  // Relationships and toxic ties

  function ties() {
    const box = document.getElementById('ties-charts');
    const kinds = [['tie_formed', 'formed'], ['tie_ruptured', 'ruptured'],
      ['tie_repaired', 'repaired'], ['tie_ended', 'ended']];
    const sets = kinds.map(([type, label], k) => {
      const v = eventsPerYear(type);
      return v ? lineDataset(label, v.map((n) => (n > 0 ? n : null)), k, { pointRadius: 3 }) : null;
    }).filter(Boolean);
    if (sets.length) {
      chart(box, 'ties', 'Ties formed, ruptured, repaired and ended each year (events.csv; ' +
        'logarithmic scale).', {
        type: 'line',
        data: { labels: yearLabels(), datasets: sets },
        options: { scales: { x: { title: { display: true, text: 'year of the run' } },
          y: { type: 'logarithmic', title: { display: true, text: 'ties a year' } } } },
      });
    } else {
      note(box, 'events.csv has no tie events.');
    }
    const tiesPts = metricPoints('ties');
    const degree = metricPoints('mean_degree');
    if (tiesPts || degree) {
      const ds = [];
      if (tiesPts) ds.push(lineDataset('active ties', tiesPts, 0, { yAxisID: 'y' }));
      if (degree) ds.push(lineDataset('mean degree', degree, 1, { yAxisID: 'y1' }));
      chart(box, 'network-size', 'Active ties and mean degree over time (metrics.csv).', {
        type: 'line',
        data: { datasets: ds },
        options: { parsing: false, scales: { x: linearAxis('years'),
          y: linearAxis('active ties', { position: 'left' }),
          y1: linearAxis('ties per person', { position: 'right', grid: { drawOnChartArea: false } }) } },
      });
    }
    const panel = data.panel;
    if (!panel) {
      note(box, 'No toxic ties over time: ' + (data.panel_note || 'no panel.csv') + '.');
      return;
    }
    const labels = panel.weeks.map((w) => fmt(w / WEEKS_A_YEAR, 3));
    const per = (k) => panel[k].map((v, w) => (panel.n[w] ? v / panel.n[w] : null));
    chart(box, 'toxic', 'Toxic and ruptured ties in the panel (' + fmt(panel.rows) + ' rows).', {
      type: 'line',
      data: { labels: labels, datasets: [
        lineDataset('share with a toxic tie', per('with_toxic'), 1, { pointRadius: 3, yAxisID: 'y' }),
        lineDataset('toxic ties a person', per('toxic'), 2, { pointRadius: 3, yAxisID: 'y' }),
        lineDataset('ruptured ties a person', per('ruptured'), 4, { pointRadius: 3, yAxisID: 'y' }),
        lineDataset('ties a person', per('degree'), 0, { pointRadius: 3, yAxisID: 'y1', borderDash: [4, 3] })] },
      options: { scales: { x: { title: { display: true, text: 'years' } },
        y: linearAxis('share or ties a person', { beginAtZero: true, position: 'left' }),
        y1: linearAxis('ties a person', { beginAtZero: true, position: 'right',
          grid: { drawOnChartArea: false } }) } },
    });
  }

  // ---------------------------------------------------------------------------------------
  // Therapy

  function therapy() {
    const box = document.getElementById('therapy-charts');
    const t = data.therapy;
    if (!t) {
      note(box, 'No therapy in this run: events.csv holds no therapy_start, therapy_session or ' +
        'therapy_end event, so there is no waitlist, no session and no course to show (either ' +
        'this version of the model has no therapy, or nobody entered it).');
      return;
    }
    const weekly = (s) => s.values.map((v, i) => ({ x: (i * s.stride) / WEEKS_A_YEAR, y: v }));
    const sets = [];
    const waitCol = data.metrics.therapy_waitlist;
    if (waitCol) sets.push(lineDataset('waiting (metrics.csv)', metricPoints('therapy_waitlist'), 1));
    else if (t.waitlist) sets.push(lineDataset('waiting', weekly(t.waitlist), 1));
    sets.push(lineDataset('in therapy', weekly(t.in_therapy), 0));
    sets.push(lineDataset('sessions this week', weekly(t.sessions), 3, { borderWidth: 1 }));
    chart(box, 'therapy-load', 'Waitlist, clients and sessions over time' +
      (waitCol || t.waitlist ? '' : ' (no waitlist: no therapy_referral events and no ' +
        'therapy_waitlist column)') + '.', {
      type: 'line',
      data: { datasets: sets },
      options: { parsing: false, scales: { x: linearAxis('years'),
        y: linearAxis('people or sessions', { beginAtZero: true }) } },
    });
    const lo = t.dose.mean.map((m, b) => (m === null || t.dose.se[b] === null ? null : m - 1.96 * t.dose.se[b]));
    const hi = t.dose.mean.map((m, b) => (m === null || t.dose.se[b] === null ? null : m + 1.96 * t.dose.se[b]));
    chart(box, 'therapy-dose', 'Dose and response: change of well-being over a course by the ' +
      'sessions it had (' + fmt(t.courses) + ' courses ended; bars: mean, ticks: 95% interval; n: ' +
      t.dose.n.join(', ') + ').', {
      type: 'bar',
      data: { labels: DOSE, datasets: [
        { type: 'bar', label: 'mean change', data: t.dose.mean, backgroundColor: COLORS[0] },
        { type: 'line', label: '95% interval', data: lo, showLine: false, pointStyle: 'line',
          pointRadius: 12, borderColor: COLORS[5], borderWidth: 2 },
        { type: 'line', label: '', data: hi, showLine: false, pointStyle: 'line',
          pointRadius: 12, borderColor: COLORS[5], borderWidth: 2 }] },
      options: { plugins: { legend: { labels: { filter: (item) => item.text !== '' } } },
        scales: { x: { title: { display: true, text: 'sessions in the course' } },
          y: { title: { display: true, text: 'change of well-being' } } } },
    });
    const pts = t.points.filter((p) => p[2] !== null && p[1] !== null).map((p) => ({ x: p[2], y: p[1] }));
    if (pts.length) {
      chart(box, 'therapy-alliance', 'Alliance and outcome: each dot a course (' + pts.length +
        ' shown), mean alliance of its sessions against its change of well-being.', {
        type: 'scatter',
        data: { datasets: [{ label: 'course', data: pts, backgroundColor: 'rgba(44,110,155,0.45)',
          pointRadius: 3 }] },
        options: { scales: { x: linearAxis('mean alliance'), y: linearAxis('change of well-being') } },
      });
    } else {
      note(box, 'The sessions carry no alliance (detail alliance=...), so alliance and outcome ' +
        'cannot be drawn.');
    }
    if (t.reasons.length) {
      chart(box, 'therapy-end', 'How courses ended (therapy_end detail); ruptures in sessions: ' +
        fmt(t.ruptures) + ', repaired: ' + fmt(t.repairs) + '.', {
        type: 'bar',
        data: { labels: t.reasons.map((r) => r[0]), datasets: [{ label: 'courses',
          data: t.reasons.map((r) => r[1]), backgroundColor: COLORS[4] }] },
        options: { indexAxis: 'y', scales: { x: { beginAtZero: true } } },
      });
    }
  }

  // ---------------------------------------------------------------------------------------
  // The network sample

  function network() {
    const box = document.getElementById('network-box');
    const net = data.network;
    if (!net) {
      note(box, 'No network drawing: ' + (data.network_note || 'no network-sample.graphml') + '.');
      return;
    }
    const elements = [];
    net.nodes.forEach((n, i) => {
      elements.push({ group: 'nodes', data: { id: 'n' + i, person: n[0], ego: n[1],
        security: n[2] === null ? 0.5 : n[2], age: n[3], wellbeing: n[4], coping: n[5],
        cls: n[6] } });
    });
    let toxic = 0;
    let ruptured = 0;
    net.edges.forEach((e, k) => {
      toxic += e[2];
      ruptured += e[3];
      elements.push({ group: 'edges', data: { id: 'e' + k, source: 'n' + e[0], target: 'n' + e[1],
        toxic: e[2], ruptured: e[3], trust: e[4], harm: e[5], kind: e[6] } });
    });
    const egos = net.nodes.filter((n) => n[1]).length;
    const container = el('div', { id: 'network', role: 'img',
      'aria-label': 'ego networks coloured by security' });
    box.appendChild(container);
    const cy = cytoscape({
      container: container,
      elements: elements,
      style: [
        { selector: 'node', style: {
          'background-color': 'mapData(security, 0.3, 0.9, #d7301f, #1a9850)',
          width: 12, height: 12, 'border-width': 0.5, 'border-color': '#52606d' } },
        { selector: 'node[ego > 0]', style: {
          width: 24, height: 24, 'border-width': 3, 'border-color': '#1f2933',
          label: 'data(person)', 'font-size': 9, color: '#1f2933', 'text-valign': 'top' } },
        { selector: 'edge', style: { width: 1.2, 'line-color': '#b8c2cc', 'curve-style': 'haystack' } },
        { selector: 'edge[toxic > 0]', style: { width: 3.5, 'line-color': '#c0392b', 'z-index': 2 } },
        { selector: 'edge[ruptured > 0]', style: { 'line-style': 'dashed', 'curve-style': 'straight' } },
      ],
      layout: { name: 'cose', animate: false, randomize: true, nodeRepulsion: () => 9000,
        idealEdgeLength: () => 40, componentSpacing: 60, padding: 20 },
      userZoomingEnabled: true,
      wheelSensitivity: 0.3,
    });
    report.network = { cy: cy, nodes: cy.nodes().length, edges: cy.edges().length };
    const shown = net.nodes.length < net.total_nodes ? ' (the first ' + net.nodes.length + ' of ' +
      net.total_nodes + ')' : '';
    box.appendChild(el('div', { class: 'legend' },
      el('span', {}, 'security 0.3 or less ', el('span', { class: 'ramp' }), ' 0.9 or more'),
      el('span', {}, el('span', { class: 'swatch' }), 'tie'),
      el('span', {}, el('span', { class: 'swatch toxic' }), 'toxic tie (' + toxic + ')'),
      el('span', {}, el('span', { class: 'swatch ruptured' }), 'ruptured tie (' + ruptured + ')'),
      el('span', { text: egos + ' egos (large, labelled with their id), ' + net.nodes.length +
        ' people' + shown + ', ' + net.edges.length + ' ties' })));
  }

  // ---------------------------------------------------------------------------------------
  // Claims, validation, events, scenario

  function parseOrNote(box, text, name) {
    try {
      return JSON.parse(text);
    } catch (e) {
      note(box, name + ' is not valid JSON: ' + e.message);
      return null;
    }
  }

  function claims() {
    const box = document.getElementById('claims');
    if (!data.claims && !data.validation) {
      note(box, 'This run folder has no claims.json or validation.json. To show them here: ' +
        'attune claims --json > RUN/claims.json and attune validate --json > ' +
        'RUN/validation.json, then attune report RUN.');
      return;
    }
    const mark = (ok) => el('span', { class: ok ? 'pass' : 'fail', text: ok ? 'pass' : 'FAIL' });
    const ci = (c) => (Array.isArray(c) ? '[' + c.map((v) => fmt(v)).join(', ') + ']' : '');
    if (data.claims) {
      const c = parseOrNote(box, data.claims, 'claims.json');
      if (c && Array.isArray(c.claims)) {
        box.appendChild(el('h3', { text: 'Claims (claims.json)' }));
        const rows = [];
        c.claims.forEach((claim) => {
          rows.push([el('strong', { text: claim.id }), claim.sentence || '', '', '', '',
            mark(claim.passed)]);
          (claim.parts || []).forEach((p) => rows.push([p.id, p.measure || '', fmt(p.estimate),
            ci(p.ci), p.criterion || '', mark(p.passed)]));
        });
        box.appendChild(table(['claim', 'statement or measure', 'estimate', '95% CI', 'criterion',
          'result'], rows));
      }
    }
    if (data.validation) {
      const v = parseOrNote(box, data.validation, 'validation.json');
      // A JSON value as a table cell (table() shows null as empty).
      const cell = (x) => (Array.isArray(x) ? ci(x) : typeof x === 'number' ? fmt(x) : x);
      if (v && Array.isArray(v.targets)) {
        box.appendChild(el('h3', { text: 'Validation targets (validation.json)' }));
        const keys = [];
        v.targets.forEach((t) => Object.keys(t).forEach((k) => {
          if (!keys.includes(k)) keys.push(k);
        }));
        box.appendChild(table(keys, v.targets.map((t) => keys.map((k) => {
          return k === 'passed' ? mark(t[k]) : cell(t[k]);
        }))));
      }
      const st = v && v.steady_state;
      if (st && Array.isArray(st.indicators)) {
        box.appendChild(el('h3', { text: 'Steady state (validation.json)' }));
        const judged = st.window_years > 0;
        box.appendChild(el('p', { text: (st.steady ? 'The runs reached a steady state: ' :
          judged ? 'The runs did not reach a steady state: ' :
            'The runs were too short to judge a steady state: ') +
          'drift a decade of yearly means over the last complete years' +
          (judged ? ' (' + st.window_years + ')' : '') + '; steady when the 95% interval of ' +
          'the mean drift lies within the tolerance (docs/validation.md).' }));
        const cols = ['id', 'steady', 'level', 'drift_per_decade', 'ci', 'tolerance', 'note'];
        box.appendChild(table(cols, st.indicators.map((d) => cols.map((k) => {
          if (k !== 'steady') return cell(d[k]);
          return el('span', { class: d[k] ? 'pass' : 'fail',
            text: d[k] ? 'steady' : judged ? 'DRIFTS' : 'not judged' });
        }))));
      }
    }
  }

  function events() {
    const box = document.getElementById('events');
    const types = data.events.types.slice().sort((a, b) => sum(b.per_year) - sum(a.per_year));
    box.appendChild(el('p', { class: 'lead', text: fmt(data.events.total) + ' events of ' +
      types.length + ' types over ' + data.years + ' years (docs/outputs.md explains each).' }));
    box.appendChild(table(['type', 'total', 'first year', 'last year', 'busiest year'],
      types.map((t) => {
        const busiest = t.per_year.indexOf(Math.max(...t.per_year)) + 1;
        return [t.type, sum(t.per_year), t.per_year[0], t.per_year[t.per_year.length - 1],
          String(busiest)];
      })));
  }

  function scenario() {
    const box = document.getElementById('scenario');
    if (!manifest) {
      note(box, 'manifest.json could not be read as JSON; it is shown as it is below.');
    } else {
      const run = manifest.run || {};
      box.appendChild(table(['run', ''], [
        ['attune', manifest.attune_version + ' (commit ' + manifest.git_commit + ')'],
        ['scenario', manifest.scenario_source],
        ['seed', String(manifest.seed)],
        ['weeks', manifest.weeks + ' of ' + manifest.weeks_planned +
          (manifest.complete ? ' (complete)' : ' (interrupted)')],
        ['people and ties at the end', fmt(manifest.people_at_end) + ' people, ' +
          fmt(manifest.ties_at_end) + ' ties'],
        ['command', run.command || ''],
        ['threads, wall time', (run.threads || '') + ' threads, ' + fmt(run.wall_seconds) + ' s'],
        ['started, finished', (run.started_utc || '') + ', ' + (run.finished_utc || '')],
        ['outputs', (manifest.outputs || []).join(', ')],
      ]));
      const params = (manifest.scenario && manifest.scenario.parameters) || {};
      const defaults = new Map(data.params.map((p) => [p[0], p]));
      const keys = Object.keys(params);
      const changed = keys.filter((k) => defaults.has(k) && String(params[k]) !== defaults.get(k)[1] &&
        Number(params[k]) !== Number(defaults.get(k)[1]));
      box.appendChild(el('h3', { text: 'Parameters: ' + changed.length + ' of ' + keys.length +
        ' differ from the defaults of the attune that wrote this report' }));
      const row = (k) => {
        const d = defaults.get(k);
        return [k, String(params[k]), d ? d[1] : '(not in this attune)', d ? d[2] : '', d ? d[3] : ''];
      };
      const headers = ['parameter', 'value', 'default', 'unit', 'meaning'];
      if (changed.length) box.appendChild(table(headers, changed.map(row)));
      box.appendChild(el('details', {}, el('summary', {
        text: 'every parameter with its value, default, unit and meaning' }),
      table(headers, keys.map(row), keys.map((k) => (changed.includes(k) ? 'changed' : '')))));
      const entries = (manifest.scenario && manifest.scenario.entries) || {};
      for (const [kind, list] of Object.entries(entries)) {
        if (!Array.isArray(list) || list.length === 0) {
          box.appendChild(el('p', { text: 'No ' + kind + ' entries.' }));
          continue;
        }
        const cols = [];
        list.forEach((e) => Object.keys(e).forEach((k) => {
          if (!cols.includes(k)) cols.push(k);
        }));
        box.appendChild(el('h3', { text: 'Entries: ' + kind }));
        box.appendChild(table(cols, list.map((e) => cols.map((c) => e[c]))));
      }
    }
    box.appendChild(el('details', {}, el('summary', { text: 'manifest.json' }),
      el('pre', { text: data.manifest || '' })));
    if (data.files) {
      box.appendChild(el('details', {}, el('summary', { text: 'files of the run folder' }),
        table(['file', 'bytes'], data.files.trim().split('\n').map((l) => {
          const [name, bytes] = l.split('\t');
          return [name, Number(bytes) < 0 ? 'folder' : Number(bytes)];
        }))));
    }
  }

  function footer() {
    document.getElementById('footer').appendChild(el('p', {
      text: 'Written by ' + data.attune + ' from ' + data.run_dir + '. Charts: Chart.js; ' +
        'network drawing: Cytoscape.js (both MIT, inlined). SVG figures for papers, when ' +
        'gnuplot was installed, are in the figures/ folder beside this file.' }));
  }

  // Each part draws on its own, so that one failing part leaves the others (and its error
  // on the console, where the test sees it).
  for (const part of [summary, wellbeing, attachment, ace, ties, therapy, network, claims, events,
    scenario, footer]) {
    try {
      part();
    } catch (e) {
      console.error('attune report: ' + part.name + ': ' + (e && e.stack ? e.stack : e));
    }
  }
  report.ready = true;
  document.body.setAttribute('data-ready', '1');
}());
