import { useState } from 'react';
import { Conversation } from './Conversation';
import { Sidebar } from './Sidebar';

export function ChatPage() {
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <div className="chat">
      <Sidebar selected={selected} onSelect={setSelected} />
      {selected ? (
        <Conversation key={selected} id={selected} />
      ) : (
        <section className="conversation empty">
          <p>Pick a companion and press Chat, or open a conversation.</p>
        </section>
      )}
    </div>
  );
}
