/* 跨境通办助手: the one tag a page needs to embed the chat widget.
 *
 *   <script src="https://<assistant>/widget/widget.js" data-lang="zh-Hant" defer></script>
 *
 * data-lang (zh-Hant, zh-Hans or en) is the starting language, else the browser's; data-server is
 * the assistant's address, else this script's own origin. The widget's modules and stylesheet are
 * loaded from beside this file; nothing comes from any other origin. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.kjtbWidgetLoaded) {
    return;
  }
  window.kjtbWidgetLoaded = true;
  var base = new URL(".", script.src).href;
  var stylesheet = document.createElement("link");
  stylesheet.rel = "stylesheet";
  stylesheet.href = base + "widget.css";
  document.head.appendChild(stylesheet);
  import(base + "app.js").then(function (app) {
    app.start({
      server: script.getAttribute("data-server") || new URL(script.src).origin,
      lang: script.getAttribute("data-lang"),
      base: base,
    });
  }).catch(function (error) {
    console.error("跨境通办助手: the chat widget could not load", error);
  });
})();
