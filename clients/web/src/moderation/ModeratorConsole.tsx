// Placeholder so the shell compiles; the moderator console replaces it.
export function ModeratorConsole() {
  return <p>The moderator console is not built yet.</p>;
}
