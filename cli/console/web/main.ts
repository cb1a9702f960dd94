/** The console's page: one document, pages chosen by the URL's fragment (`#/find`, `#/conversation/1234`, …). */
import 'uplot/dist/uPlot.min.css';
import './app.css';
import { loadSession, type Session } from './api.ts';
import { errorBox, h, replace } from './dom.ts';
import { conversationPage } from './pages/conversation.ts';
import { erasePage } from './pages/erase.ts';
import { exportPage } from './pages/export.ts';
import { failedPage } from './pages/failed.ts';
import { findPage } from './pages/find.ts';
import { holdsPage } from './pages/holds.ts';
import { overviewPage } from './pages/overview.ts';
import { receiptsPage } from './pages/receipts.ts';
import { reportsPage } from './pages/reports.ts';
import { verifyPage } from './pages/verify.ts';

export interface PageContext {
  session: Session;
  main: HTMLElement;
  /** Route parameters, e.g. the conversation number. */
  params: string[];
}

type Page = (context: PageContext) => Promise<void> | void;

const PAGES: Record<string, Page> = {
  find: findPage,
  conversation: conversationPage,
  verify: verifyPage,
  export: exportPage,
  erase: erasePage,
  receipts: receiptsPage,
  holds: holdsPage,
  failed: failedPage,
  reports: reportsPage,
  overview: overviewPage,
};

async function start() {
  const main = document.getElementById('main')!;
  let session: Session;
  try {
    session = await loadSession();
  } catch (error) {
    replace(main, errorBox(`The console cannot start: ${(error as Error).message}`));
    return;
  }
  replace(
    document.getElementById('where')!,
    session.local ? 'Local mode · ' : '',
    h('code', {}, `s3://${session.bucket}/${session.prefix}`),
  );
  const show = async () => {
    const [name = 'find', ...params] = location.hash.replace(/^#\/?/, '').split('/');
    const page = PAGES[name] ?? findPage;
    for (const link of document.querySelectorAll<HTMLAnchorElement>('#nav a')) {
      const current = link.getAttribute('href') === `#/${name}`;
      if (current) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    replace(main);
    try {
      await page({ session, main, params: params.map(decodeURIComponent) });
    } catch (error) {
      main.append(errorBox((error as Error).message));
    }
    main.querySelector<HTMLElement>('h1')?.focus();
  };
  window.addEventListener('hashchange', () => void show());
  await show();
}

void start();
