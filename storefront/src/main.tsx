import { render } from 'preact';
import { App } from './app';

render(<App />, document.getElementById('app')!);
// Rendered, handlers attached: the page is interactive from here (what its time budget measures).
performance.mark('app-interactive');
