import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

let firstPage = true;

/**
 * A page: its title in the tab and its heading. Moving to another page moves focus to the new
 * heading, so a screen reader announces it and Tab starts from the page's top (not on first load,
 * where the browser's own start is right).
 */
export function Page({
  title,
  heading,
  children,
}: {
  title: string;
  heading?: ComponentChildren;
  children?: ComponentChildren;
}) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Shop`;
  }, [title]);
  useEffect(() => {
    if (firstPage) firstPage = false;
    else ref.current?.focus();
  }, []);
  return (
    <>
      <h1 id="page-heading" tabIndex={-1} ref={ref}>
        {heading ?? title}
      </h1>
      {children}
    </>
  );
}

/** Something is loading: said once, politely. */
export const Loading = ({ what }: { what: string }) => (
  <p class="muted" role="status">
    Loading {what}…
  </p>
);

export const ErrorNote = ({ message }: { message: string }) => (
  <p class="error" role="alert">
    {message}
  </p>
);
