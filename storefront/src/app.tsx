import { useEffect } from 'preact/hooks';
import { SearchBox } from './components/SearchBox';
import { CartPage } from './pages/Cart';
import { CheckoutPage } from './pages/Checkout';
import { HomePage } from './pages/Home';
import { NotFoundPage } from './pages/NotFound';
import { NotificationsPage } from './pages/Notifications';
import { OrderPage } from './pages/Order';
import { OrdersPage } from './pages/Orders';
import { ProductPage } from './pages/Product';
import { SearchPage } from './pages/Search';
import { SignInPage } from './pages/SignIn';
import { href, type Route, useRoute } from './router';
import { refreshCart, signOut, useShared } from './store';

function pageFor(route: Route) {
  const [first, second] = route.segments;
  switch (first) {
    case undefined:
      return <HomePage />;
    case 'search':
      return <SearchPage query={route.query} />;
    case 'products':
      return second && /^\d+$/.test(second) ? <ProductPage id={Number(second)} /> : <NotFoundPage />;
    case 'cart':
      return <CartPage />;
    case 'checkout':
      return <CheckoutPage />;
    case 'orders':
      return second ? <OrderPage id={second} query={route.query} /> : <OrdersPage />;
    case 'notifications':
      return <NotificationsPage />;
    case 'signin':
      return <SignInPage mode="signin" next={route.query.get('next')} />;
    case 'register':
      return <SignInPage mode="register" next={route.query.get('next')} />;
    default:
      return <NotFoundPage />;
  }
}

export function App() {
  const route = useRoute();
  const { email, cart, announcement } = useShared();
  useEffect(() => {
    refreshCart().catch(() => undefined);
  }, []);
  const count = cart?.item_count ?? 0;
  const current = (path: string) => (route.path === path ? 'page' : undefined);

  return (
    <>
      {/* A button, not a #main link: the fragment is the page's address here. */}
      <button type="button" class="skip" onClick={() => document.getElementById('page-heading')?.focus()}>
        Skip to content
      </button>
      <header class="top">
        <a class="brand" href="#/" aria-current={current('/')}>
          Shop
        </a>
        <SearchBox initial={route.path === '/search' ? (route.query.get('q') ?? '') : ''} />
        <nav aria-label="Account">
          <ul>
            <li>
              <a href="#/cart" aria-current={current('/cart')}>
                Cart <span class="badge">{count}</span>
                <span class="visually-hidden"> {count === 1 ? 'item' : 'items'}</span>
              </a>
            </li>
            {email ? (
              <>
                <li>
                  <a href="#/orders" aria-current={current('/orders')}>
                    Orders
                  </a>
                </li>
                <li>
                  <a href="#/notifications" aria-current={current('/notifications')}>
                    Notifications
                  </a>
                </li>
                <li>
                  <button type="button" class="link" onClick={() => signOut()}>
                    Sign out
                  </button>
                </li>
              </>
            ) : (
              <>
                <li>
                  <a href={href('/signin')} aria-current={current('/signin')}>
                    Sign in
                  </a>
                </li>
                <li>
                  <a href={href('/register')} aria-current={current('/register')}>
                    Register
                  </a>
                </li>
              </>
            )}
          </ul>
        </nav>
      </header>
      <main id="main" key={route.path}>
        {pageFor(route)}
      </main>
      <p class="visually-hidden" role="status" aria-live="polite">
        {announcement}
      </p>
      <footer class="foot">
        <p>
          {email ? `Signed in as ${email}. ` : ''}A demo store: test cards only, no money moves.{' '}
          <a href="/docs">API reference</a>
        </p>
      </footer>
    </>
  );
}
