import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { CONFIG_ENV_NAMES, loadConfig } from '../../src/config.js';

// What can be checked of the Docker stack without a Docker engine. With the compose client
// (`docker compose`), it validates and normalises docker-compose.yml and its services are checked
// against the repository and the config schema; without one those cases are skipped, and the
// Dockerfile and the Prometheus config are still checked as files.

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const repo = (...parts: string[]) => path.join(root, ...parts);
const read = (file: string) => readFileSync(repo(file), 'utf8');

interface Mount {
  type: string;
  source?: string;
  target: string;
}
interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[];
  environment?: Record<string, string | null>;
  volumes?: Mount[];
}
interface Compose {
  services: Record<string, ComposeService>;
}

/** `docker compose`, when the docker client here has the compose plugin. */
async function composeClient(): Promise<boolean> {
  try {
    await run('docker', ['compose', 'version'], { timeout: 15_000 });
    return true;
  } catch {
    return false;
  }
}

const compose = (...args: string[]) =>
  run('docker', ['compose', '-f', 'docker-compose.yml', ...args], {
    cwd: root,
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });

/**
 * The rule files and scrape targets of deploy/prometheus/compose/prometheus.yml. Read by pattern
 * (the project has no YAML parser): the file keeps rule_files as a block list and targets as a
 * flow list, and finding neither fails here rather than passing on nothing.
 */
function prometheusConfig(file: string) {
  const text = readFileSync(file, 'utf8');
  const block = /^rule_files:[^\S\n]*\n((?:[^\S\n]+-[^\n]*\n?)+)/m.exec(text)?.[1] ?? '';
  const ruleFiles = block
    .split('\n')
    .map((line) =>
      line
        .replace(/#.*/, '')
        .replace(/^\s*-\s*/, '')
        .trim(),
    )
    .filter(Boolean)
    .map((entry) => entry.replace(/^["']|["']$/g, ''));
  const targets = [...text.matchAll(/^\s*-?\s*targets:\s*\[([^\]]*)\]/gm)].flatMap((m) =>
    m[1]!
      .split(',')
      .map((t) => t.trim().replace(/^["']|["']$/g, ''))
      .filter(Boolean),
  );
  if (!ruleFiles.length || !targets.length) {
    throw new Error(`${file}: expected a rule_files block list and a targets: [...] list`);
  }
  return { ruleFiles, targets };
}

/** Where a path inside a container comes from on the host, through the service's bind mounts. */
function hostPath(service: ComposeService, containerPath: string): string | null {
  for (const mount of service.volumes ?? []) {
    if (mount.type !== 'bind' || !mount.source) continue;
    const rel = path.posix.relative(mount.target, containerPath);
    if (rel === '' || (!rel.startsWith('..') && !path.posix.isAbsolute(rel))) {
      return path.join(mount.source, rel);
    }
  }
  return null;
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function dockerfileInstructions(text: string) {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword!.toUpperCase(), args: rest.join(' ') };
    });
}

const PROMETHEUS_CONFIG = 'deploy/prometheus/compose/prometheus.yml';

describe('deployment: Dockerfile, docker-compose.yml, Prometheus and Grafana files', function () {
  this.timeout(120_000);
  let hasCompose = false;
  let config: Compose | null = null;

  before(async () => {
    hasCompose = await composeClient();
    if (hasCompose) config = JSON.parse((await compose('config', '--format', 'json')).stdout) as Compose;
  });

  /** Skips a case that needs the compose client, saying so in the report. */
  function needsCompose(ctx: Mocha.Context): Compose {
    if (!config) {
      ctx.test!.title += ' (skipped: no `docker compose` client on this machine)';
      ctx.skip();
    }
    return config!;
  }

  it('docker compose validates docker-compose.yml (config -q)', async function () {
    needsCompose(this);
    const { stderr } = await compose('config', '-q');
    expect(stderr.trim()).to.equal('');
  });

  it('sets on the shop service only environment variables the configuration knows, with valid values', function () {
    const shop = needsCompose(this).services.shop!;
    const names = Object.keys(shop.environment ?? {});
    expect(names).to.include.members(['DATABASE_URL', 'REDIS_URL', 'AMQP_URL']);
    expect(names.filter((name) => !(CONFIG_ENV_NAMES as readonly string[]).includes(name))).to.deep.equal([]);
    const env = Object.fromEntries(Object.entries(shop.environment!).map(([k, v]) => [k, v ?? undefined]));
    const parsed = loadConfig(env);
    expect(parsed.db.url).to.match(/@postgres:5432\//);
    expect(parsed.events.amqpUrl).to.match(/@rabbitmq:5672/);
  });

  it('builds the shop from the Dockerfile at the root and runs what the build emits', function () {
    const { services } = needsCompose(this);
    const shop = services.shop!;
    expect(path.resolve(shop.build!.context)).to.equal(path.resolve(root));
    expect(existsSync(path.join(shop.build!.context, shop.build!.dockerfile ?? 'Dockerfile'))).to.equal(true);
    expect(shop.command).to.include('dist/bin/server.js');
    expect(Object.keys(services)).to.include.members([
      'postgres',
      'redis',
      'rabbitmq',
      'prometheus',
      'grafana',
    ]);
  });

  it('mounts only paths that exist, and Prometheus scrapes the shop service on its PORT', function () {
    const { services } = needsCompose(this);
    for (const [name, service] of Object.entries(services)) {
      for (const mount of service.volumes ?? []) {
        if (mount.type === 'bind')
          expect(existsSync(mount.source!), `${name}: ${mount.source}`).to.equal(true);
      }
    }
    const prometheus = services.prometheus!;
    const flag = prometheus.command?.find((arg) => arg.startsWith('--config.file='));
    expect(flag, 'prometheus --config.file').to.be.a('string');
    const configFile = hostPath(prometheus, flag!.slice('--config.file='.length));
    expect(configFile && path.resolve(configFile)).to.equal(repo(PROMETHEUS_CONFIG));

    const port = loadConfig({ PORT: services.shop!.environment?.PORT ?? undefined }).http.port;
    expect(prometheusConfig(configFile!).targets).to.deep.equal([`shop:${port}`]);
  });

  it('provisions Grafana with the data source, and the dashboard where its provider looks', function () {
    const grafana = needsCompose(this).services.grafana!;
    const provisioning = hostPath(grafana, '/etc/grafana/provisioning');
    expect(provisioning && path.resolve(provisioning)).to.equal(repo('deploy/grafana/provisioning'));
    const provider = readFileSync(path.join(provisioning!, 'dashboards/shop.yml'), 'utf8');
    const dashboards = /^\s*path:\s*(\S+)/m.exec(provider)?.[1];
    expect(dashboards, 'the dashboard provider path').to.be.a('string');
    const dashboard = hostPath(grafana, path.posix.join(dashboards!, 'shop.json'));
    expect(dashboard && path.resolve(dashboard)).to.equal(repo('deploy/grafana/shop.json'));
    expect(readFileSync(path.join(provisioning!, 'datasources/prometheus.yml'), 'utf8')).to.match(
      /url:\s*http:\/\/prometheus:9090/,
    );
  });

  it('the Prometheus config loads every rule file of deploy/prometheus and scrapes shop on the port the image exposes', async () => {
    const { ruleFiles, targets } = prometheusConfig(repo(PROMETHEUS_CONFIG));
    const dir = path.dirname(repo(PROMETHEUS_CONFIG));
    const resolved = ruleFiles.map((f) => path.resolve(dir, f));
    for (const file of resolved) expect(statSync(file).isFile(), file).to.equal(true);
    // The rule files are those .ci/run checks with promtool: every .yml there but the rule tests.
    const shipped = readdirSync(repo('deploy/prometheus'))
      .filter((f) => f.endsWith('.yml') && !f.endsWith('.test.yml'))
      .map((f) => repo('deploy/prometheus', f));
    expect([...resolved].sort()).to.deep.equal(shipped.sort());
    expect(shipped).to.include.members([
      repo('deploy/prometheus/rules.yml'),
      repo('deploy/prometheus/alerts.yml'),
    ]);

    const expose = dockerfileInstructions(read('Dockerfile')).find((i) => i.keyword === 'EXPOSE')?.args;
    expect(targets).to.deep.equal([`shop:${expose}`]);

    // promtool (Debian's prometheus package, as .ci/run installs) also parses the rules it loads.
    const promtool = await run('promtool', ['--version']).then(
      () => true,
      () => false,
    );
    if (promtool) await run('promtool', ['check', 'config', repo(PROMETHEUS_CONFIG)]);
  });

  it('the Dockerfile copies paths that exist, runs the compiled server, exposes the default PORT and checks /readyz', () => {
    const instructions = dockerfileInstructions(read('Dockerfile'));
    const copies = instructions
      .filter((i) => i.keyword === 'COPY' && !/--from=/.test(i.args))
      .map((i) => i.args.split(/\s+/).filter((a) => !a.startsWith('--')));
    expect(copies).to.have.length.above(0);
    for (const args of copies) {
      for (const source of args.slice(0, -1)) expect(existsSync(repo(source)), source).to.equal(true);
    }

    // CMD names dist/bin/server.js: the build (tsconfig.build.json) compiles bin/ into dist/bin.
    const cmd = JSON.parse(instructions.find((i) => i.keyword === 'CMD')!.args) as string[];
    const entry = cmd.find((arg) => arg.startsWith('dist/'))!;
    expect(entry).to.equal('dist/bin/server.js');
    const source = entry.replace(/^dist\//, '').replace(/\.js$/, '.ts');
    expect(existsSync(repo(source)), source).to.equal(true);
    const build = JSON.parse(read('tsconfig.build.json')) as { include: string[] };
    expect(build.include).to.include(source.split('/')[0]);
    expect(JSON.parse(read('package.json')).scripts['start:prod']).to.equal(`node ${entry}`);

    expect(instructions.find((i) => i.keyword === 'EXPOSE')?.args).to.equal(String(loadConfig({}).http.port));
    // Exec form, valid JSON: Docker runs anything else through /bin/sh, which would eat the backticks.
    const healthcheck = instructions.find((i) => i.keyword === 'HEALTHCHECK')?.args ?? '';
    const probe = JSON.parse(healthcheck.slice(healthcheck.indexOf(' CMD ') + 5)) as string[];
    expect(probe[0]).to.equal('node');
    expect(probe.join(' ')).to.contain('/readyz');
    expect(read('src/health/routes.ts')).to.contain("router.get('/readyz'");
    expect(instructions.some((i) => i.keyword === 'USER' && i.args !== 'root')).to.equal(true);
  });

  it('.dockerignore keeps node_modules, dist and .git out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim());
    expect(ignored).to.include.members(['**/node_modules', 'dist', '.git']);
  });
});
