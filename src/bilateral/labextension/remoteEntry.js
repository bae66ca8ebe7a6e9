/*
 * bilateral-labextension: readable names for nbconvert exporters in JupyterLab's
 * "File > Save and Export Notebook As" menu (and the command palette).
 *
 * JupyterLab lists the formats of GET /api/nbconvert, which gives only each exporter's
 * name and mimetype, and labels a format it does not know by its name capitalised
 * ("Bilateral_html"). The Jupyter server extension bilateral.lab serves the label each
 * exporter gives itself (nbconvert's `export_from_notebook`) at GET
 * <base>/bilateral/export-labels, as {name: label}; this plugin fetches it and has the
 * command notebook:export-to-format show that label for a format JupyterLab has no label
 * of its own for (never html, latex, markdown, pdf, rst, script, slides). A label that two
 * items would show (nbconvert names both qtpdf and webpdf "PDF via HTML") is told apart by
 * the format's name: "PDF via HTML (webpdf)".
 *
 * Why this file is written by hand and not built with webpack: it is a few lines, needs
 * no JupyterLab package (the plugin requires no token, so it shares no module), and a
 * hand-written file needs no node toolchain to install, only a copy
 * (scripts/notebook-setup.sh). The contract with JupyterLab 4 it relies on:
 *   - jupyterlab_server lists <labextensions dir>/<name>/package.json whose
 *     jupyterlab._build names the script to load ("load") and the module holding the
 *     plugins ("extension");
 *   - Lab's bootstrap loads that script, then calls window._JUPYTERLAB[<name>].init(scope)
 *     with webpack's share scope, and later get("./extension"), awaits it, calls the
 *     factory it resolves to and takes the plugins from its `default` (an ES module:
 *     `__esModule` set, else the whole object would be taken as the plugin);
 *   - the menu item's and palette item's text is app.commands.label(id, args), asked again
 *     each time the menu is drawn and when the command's "changed" signal fires;
 *   - the export command is "notebook:export-to-format", args {format, label, isPalette}.
 *
 * It also styles the report's blocks (tables, verdict badges, charts, the title block) in
 * every rendered output, trusted or not: the module "./style" (package.json's
 * jupyterlab._build.style, loaded by Lab's bootstrap before the plugins) links lab.css,
 * the report's own stylesheet for JupyterLab (a copy of src/bilateral/report/jupyter/
 * lab.css, through a symbolic link here). An executed report a build wrote is not
 * trusted in JupyterLab, which strips the <style> elements of its outputs but keeps their
 * class attributes; a stylesheet of the page reaches them.
 * The script lies beside package.json, not in static/: jupyterlab_server serves every
 * extension's static/ folder as immutable for a year (webpack's names carry a hash), the
 * rest with "Cache-Control: no-cache", so a changed script is fetched again without a
 * hashed name.
 */
(function () {
  'use strict';

  var NAME = 'bilateral-labextension';
  // This script's own address: lab.css lies beside it.
  var HERE = (document.currentScript && document.currentScript.src) || '';
  var COMMAND = 'notebook:export-to-format';
  // The formats JupyterLab labels itself, with its English labels (getFormatLabels in
  // @jupyterlab/notebook-extension).
  var LAB_LABELS = {
    html: 'HTML', latex: 'LaTeX', markdown: 'Markdown', pdf: 'PDF',
    rst: 'ReStructured Text', script: 'Executable Script', slides: 'Reveal.js Slides'
  };
  var has = function (o, k) { return Object.prototype.hasOwnProperty.call(o, k); };

  // {format: label} for the formats JupyterLab has no label for; a label shown twice (or
  // one of JupyterLab's) followed by the format's name.
  function menuLabels(found) {
    var mine = {};
    var uses = {};
    Object.keys(LAB_LABELS).forEach(function (f) { uses[LAB_LABELS[f]] = 1; });
    Object.keys(found).forEach(function (format) {
      var label = found[format];
      if (!has(LAB_LABELS, format) && typeof label === 'string' && label) {
        mine[format] = label;
        uses[label] = (uses[label] || 0) + 1;
      }
    });
    Object.keys(mine).forEach(function (format) {
      if (uses[mine[format]] > 1) {
        mine[format] += ' (' + format + ')';
      }
    });
    return mine;
  }

  function cookie(name) {
    var m = document.cookie.match('\\b' + name + '=([^;]*)\\b');
    return m ? decodeURIComponent(m[1]) : undefined;
  }

  // What ServerConnection.makeRequest does for a GET: the settings' init, the token as an
  // Authorization header, the XSRF cookie echoed as a header.
  function fetchLabels(settings) {
    var base = settings.baseUrl.replace(/\/?$/, '/');
    var headers = {};
    if (settings.token) {
      headers.Authorization = 'token ' + settings.token;
    }
    var xsrf = cookie('_xsrf');
    if (xsrf !== undefined) {
      headers['X-XSRFToken'] = xsrf;
    }
    var init = Object.assign({}, settings.init || {}, { method: 'GET', headers: headers });
    var get = settings.fetch || window.fetch;
    return get.call(null, base + 'bilateral/export-labels', init).then(function (r) {
      if (!r.ok) {
        throw new Error('GET bilateral/export-labels: ' + r.status);
      }
      return r.json();
    });
  }

  var plugin = {
    id: NAME + ':export-labels',
    description: 'Names nbconvert exporters by their own labels in the export menu.',
    autoStart: true,
    activate: function (app) {
      var labels = {};
      var commands = app.commands;
      var label = commands.label;
      commands.label = function (id, args) {
        if (id === COMMAND && args && typeof args.format === 'string' &&
            typeof args.label === 'string' && has(labels, args.format)) {
          var format = args.format;
          // Only JupyterLab's fallback, the name capitalised, is replaced.
          if (args.label === format[0].toLocaleUpperCase() + format.slice(1)) {
            args = Object.assign({}, args, { label: labels[format] });
          }
        }
        return label.call(this, id, args);
      };
      fetchLabels(app.serviceManager.serverSettings).then(function (found) {
        labels = menuLabels(found);
        if (commands.hasCommand(COMMAND)) {
          commands.notifyCommandChanged(COMMAND);
        }
      }).catch(function (err) {
        console.warn('bilateral: the export menu keeps nbconvert names (' + err + ')');
      });
    }
  };

  // The folder this extension is served from: beside this script, else from the page's
  // configuration (fullLabextensionsUrl/<name>/).
  function folder() {
    if (HERE) {
      return new URL('.', HERE).href;
    }
    var config = document.getElementById('jupyter-config-data');
    var url = config ? JSON.parse(config.textContent).fullLabextensionsUrl : '/lab/extensions';
    return new URL(url.replace(/\/?$/, '/') + NAME + '/', window.location.href).href;
  }

  var modules = {
    './extension': function () {
      return { __esModule: true, default: plugin };
    },
    './style': function () {
      if (!document.getElementById(NAME + '-style')) {
        var link = document.createElement('link');
        link.id = NAME + '-style';
        link.rel = 'stylesheet';
        link.href = folder() + 'lab.css';
        document.head.appendChild(link);
      }
      return { __esModule: true };
    }
  };

  window._JUPYTERLAB = window._JUPYTERLAB || {};
  window._JUPYTERLAB[NAME] = {
    init: function (shareScope) {
      // Nothing is shared: the plugin imports no JupyterLab package.
    },
    get: function (module) {
      if (!has(modules, module)) {
        return Promise.reject(new Error('Module "' + module + '" does not exist in ' + NAME));
      }
      return Promise.resolve(modules[module]);
    }
  };
})();
