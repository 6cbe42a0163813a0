import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/client';
import { href, navigate } from '../router';

/**
 * The header's search: a combobox whose list suggests product names as the shopper types (ARIA
 * 1.2 pattern: arrows move through the list, Enter searches the highlighted one, Escape closes).
 */
export function SearchBox({ initial }: { initial: string }) {
  const [text, setText] = useState(initial);
  const [suggestions, setSuggestions] = useState<string[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const asked = useRef(0);

  useEffect(() => setText(initial), [initial]);

  useEffect(() => {
    const q = text.trim();
    if (q.length < 2 || !open) {
      setSuggestions([]);
      return;
    }
    const ask = ++asked.current;
    const timer = setTimeout(async () => {
      const { data } = await api.GET('/products/suggest', { params: { query: { q, limit: 6 } } });
      // Only the latest keystroke's answer is shown.
      if (ask === asked.current) {
        setSuggestions(data?.suggestions.map((s) => s.text) ?? []);
        setActive(-1);
      }
    }, 120);
    return () => clearTimeout(timer);
  }, [text, open]);

  const search = (q: string) => {
    setOpen(false);
    setSuggestions([]);
    if (q.trim()) navigate(href('/search', { q: q.trim() }));
  };

  const expanded = open && suggestions.length > 0;
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown' && suggestions.length) {
      e.preventDefault();
      setOpen(true);
      setActive((i) => (i + 1) % suggestions.length);
    } else if (e.key === 'ArrowUp' && suggestions.length) {
      e.preventDefault();
      setActive((i) => (i <= 0 ? suggestions.length - 1 : i - 1));
    } else if (e.key === 'Escape') {
      setOpen(false);
      setActive(-1);
    } else if (e.key === 'Enter' && expanded && active >= 0) {
      e.preventDefault();
      const chosen = suggestions[active]!;
      setText(chosen);
      search(chosen);
    }
  };

  return (
    // biome-ignore lint/a11y/useSemanticElements: <search> is too new for every screen reader; the role says the same
    <form
      role="search"
      class="search"
      onSubmit={(e) => {
        e.preventDefault();
        search(text);
      }}
    >
      <label for="search-input" class="visually-hidden">
        Search products
      </label>
      <div class="combo">
        <input
          id="search-input"
          type="search"
          // biome-ignore lint/a11y/noRedundantRoles: list={undefined} renders no list attribute, so the role is needed
          role="combobox"
          // The ARIA combobox pattern needs no <datalist> (Preact's types ask for the attribute).
          list={undefined}
          autocomplete="off"
          aria-autocomplete="list"
          aria-expanded={expanded}
          aria-controls="search-suggestions"
          aria-activedescendant={expanded && active >= 0 ? `suggestion-${active}` : undefined}
          placeholder="Search products"
          value={text}
          onInput={(e) => {
            setText((e.target as HTMLInputElement).value);
            setOpen(true);
          }}
          onKeyDown={onKeyDown}
          onBlur={() => setTimeout(() => setOpen(false), 150)}
        />
        <div
          id="search-suggestions"
          role="listbox"
          aria-label="Suggestions"
          class="suggestions"
          hidden={!expanded}
        >
          {suggestions.map((s, i) => (
            <div
              key={s}
              tabIndex={-1}
              id={`suggestion-${i}`}
              role="option"
              aria-selected={i === active}
              class={i === active ? 'active' : undefined}
              onMouseDown={(e) => {
                e.preventDefault();
                setText(s);
                search(s);
              }}
            >
              {s}
            </div>
          ))}
        </div>
      </div>
      <button type="submit">Search</button>
    </form>
  );
}
