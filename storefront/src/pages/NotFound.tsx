import { Page } from '../components/Page';

export const NotFoundPage = () => (
  <Page title="Page not found">
    <p>
      There is no such page. <a href="#/">Go to the home page</a>.
    </p>
  </Page>
);
