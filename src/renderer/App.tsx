// The first screen: the app's name and version and whether the engine bridge is there. The
// catalogue UI (case header, navigation, table, detail) comes later (DESIGN.md section 10).

export function bridgeMethodCount(w: Pick<Window, 'evidence'>): number {
  return w.evidence ? Object.keys(w.evidence).length : 0;
}

export function App() {
  const methods = bridgeMethodCount(window);
  return (
    <div className="app">
      <header className="app-header">
        <h1 className="app-name" data-testid="app-name">
          {__APP_NAME__}
        </h1>
        <span className="app-version" data-testid="app-version">
          version {__APP_VERSION__}
        </span>
      </header>
      <main className="app-main">
        <section className="empty">
          <h2>No case open</h2>
          <p>Open or create a case to start cataloguing evidence.</p>
        </section>
      </main>
      <footer className="app-status" data-testid="app-status">
        <span>Offline: this app makes no network requests.</span>
        <span data-testid="bridge-status">
          {methods > 0 ? `Engine ready (${methods} methods)` : 'Engine not connected'}
        </span>
      </footer>
    </div>
  );
}
