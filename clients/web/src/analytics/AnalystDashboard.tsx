// Placeholder so the shell compiles; the analyst dashboard replaces it.
export function AnalystDashboard() {
  return <p>The analyst dashboard is not built yet.</p>;
}
