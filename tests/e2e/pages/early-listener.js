// Runs before the page's modules, as early as a page script can: counts window messages that carry a
// MessagePort. The extension's private channel must never show up here (tests/e2e/extension.test.ts).
window.__portsSeen = 0;
addEventListener('message', (e) => { if (e.ports && e.ports.length) window.__portsSeen++; }, true);
