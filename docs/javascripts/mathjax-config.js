// MathJax 2.7 (served from the site itself, assets/mathjax): typeset the spans and divs that
// pymdownx.arithmatex (generic mode) writes, \( ... \) inline and \[ ... \] displayed.
window.MathJax = {
  tex2jax: {inlineMath: [["\\(", "\\)"]], displayMath: [["\\[", "\\]"]],
            processEscapes: true, processEnvironments: true, ignoreClass: ".*",
            processClass: "arithmatex"},
  "HTML-CSS": {availableFonts: ["STIX-Web"], preferredFont: "STIX-Web", webFont: "STIX-Web",
               imageFont: null},
  SVG: {font: "STIX-Web"},
  showMathMenu: false,
  messageStyle: "none"
};
