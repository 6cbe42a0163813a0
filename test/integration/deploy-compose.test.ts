import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { parse as parseYaml } from 'yaml';
import { CONFIG_ENV_NAMES, loadConfig } from '../../src/config.js';

// What can be checked of the Docker stack without a Docker engine. With a compose client
// (`docker compose`, else the standalone v1 `docker-compose`), it validates and normalises
// docker-compose.yml and its services are checked against the repository and the config schema;
// without one those cases are skipped, and the Dockerfile and the Prometheus config are still
// checked as files.

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const repo = (...parts: string[]) => path.join(root, ...parts);
const read = (file: string) => readFileSync(repo(file), 'utf8');

// The shape of `docker compose config --format json` (v2), which v1's output is brought to.
interface Mount {
  type: string;
  source?: string;
  target: string;
  read_only?: boolean;
}
interface Port {
  host_ip?: string;
  published?: string;
  target: number;
  protocol?: string;
}
interface ComposeService {
  image?: string;
  deploy?: { replicas?: number };
  build?: { context: string; dockerfile?: string };
  command?: string[];
  environment?: Record<string, string | null>;
  volumes?: Mount[];
  ports?: Port[];
  network_mode?: string;
}
interface Compose {
  services: Record<string, ComposeService>;
}

/** A service as docker-compose v1 prints it: short syntax where v2 prints objects. */
interface ComposeV1Service
  extends Omit<ComposeService, 'build' | 'command' | 'environment' | 'volumes' | 'ports'> {
  build?: string | { context: string; dockerfile?: string };
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  volumes?: (string | Mount)[];
  ports?: (string | (Omit<Port, 'published'> & { published?: string | number }))[];
}

/**
 * docker-compose v1's normalised file in v2's shape, so the cases read one form whichever client
 * ran. v1 keeps short syntax: volumes as "source:target:mode", ports as "ip:published:target/proto",
 * build as a path or a map, command as written, environment as a map or a list. Anything this does
 * not know how to read fails here rather than reaching a case half-read.
 */
function fromComposeV1(v1: { services: Record<string, ComposeV1Service> }): Compose {
  const volume = (spec: string): Mount => {
    const [first, second, mode = ''] = spec.split(':');
    if (second === undefined) return { type: 'volume', target: first! };
    // A host path (v1 prints them absolute); otherwise the name of a volume.
    const type = /^[./~]/.test(first!) ? 'bind' : 'volume';
    return { type, source: first, target: second, read_only: mode.split(',').includes('ro') };
  };
  const port = (spec: string): Port => {
    const m = /^(?:(\d+\.\d+\.\d+\.\d+|\[[^\]]+\]):)?(?:(\d*):)?(\d+)(?:\/(\w+))?$/.exec(spec);
    if (!m) throw new Error(`docker-compose config: a port spelt ${JSON.stringify(spec)}`);
    return {
      host_ip: m[1]?.replace(/^\[|\]$/g, ''),
      published: m[2] || undefined,
      target: Number(m[3]),
      protocol: m[4] ?? 'tcp',
    };
  };
  const command = (spec: string) => {
    if (/["'\\]/.test(spec))
      throw new Error(`docker-compose config: a quoted command ${JSON.stringify(spec)}`);
    return spec.split(/\s+/).filter(Boolean);
  };
  const environment = (env: ComposeV1Service['environment']) =>
    env &&
    Object.fromEntries(
      Array.isArray(env)
        ? env.map((e) =>
            e.includes('=') ? [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] : [e, null],
          )
        : Object.entries(env).map(([k, v]) => [k, v === null ? null : String(v)]),
    );
  const services = Object.entries(v1.services).map(([name, s]): [string, ComposeService] => [
    name,
    {
      ...s,
      build: typeof s.build === 'string' ? { context: path.resolve(root, s.build) } : s.build,
      command: typeof s.command === 'string' ? command(s.command) : s.command,
      environment: environment(s.environment),
      volumes: s.volumes?.map((v) => (typeof v === 'string' ? volume(v) : v)),
      ports: s.ports?.map((p) =>
        typeof p === 'string'
          ? port(p)
          : {
              ...p,
              published: p.published === undefined ? undefined : String(p.published),
              protocol: p.protocol ?? 'tcp',
            },
      ),
    },
  ]);
  return { services: Object.fromEntries(services) };
}

/** The compose client here: the docker CLI's plugin (v2), else the standalone docker-compose (v1). */
type ComposeClient = { version: 1 | 2; command: [string, ...string[]] };
async function composeClient(): Promise<ComposeClient | null> {
  const clients: ComposeClient[] = [
    { version: 2, command: ['docker', 'compose'] },
    { version: 1, command: ['docker-compose'] },
  ];
  for (const client of clients) {
    const [bin, ...args] = client.command;
    const found = await run(bin, [...args, 'version'], { timeout: 15_000 }).then(
      () => true,
      () => false,
    );
    if (found) return client;
  }
  return null;
}

const compose = ({ command: [bin, ...args] }: ComposeClient, ...rest: string[]) =>
  run(bin, [...args, '-f', 'docker-compose.yml', ...rest], {
    cwd: root,
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });

/** docker-compose.yml as the client normalises it (interpolated, paths absolute), in v2's shape. */
async function composeConfig(client: ComposeClient): Promise<Compose> {
  if (client.version === 2)
    return JSON.parse((await compose(client, 'config', '--format', 'json')).stdout) as Compose;
  // v1 writes YAML 1.1 (PyYAML): read it as such, so what it left unquoted means what it meant.
  return fromComposeV1(parseYaml((await compose(client, 'config')).stdout, { version: '1.1' }));
}

/**
 * The rule files and scrape targets of deploy/prometheus/compose/prometheus.yml, as `host:port`:
 * static targets, and the names its DNS service discovery resolves (one per replica of a scaled
 * service). Finding neither fails here rather than passing on nothing.
 */
function prometheusConfig(file: string) {
  const config = parseYaml(readFileSync(file, 'utf8')) as {
    rule_files?: string[];
    scrape_configs?: {
      static_configs?: { targets?: string[] }[];
      dns_sd_configs?: { names?: string[]; type?: string; port?: number }[];
    }[];
  };
  const ruleFiles = config.rule_files ?? [];
  const targets = (config.scrape_configs ?? []).flatMap((job) => [
    ...(job.static_configs ?? []).flatMap((c) => c.targets ?? []),
    ...(job.dns_sd_configs ?? []).flatMap((c) => (c.names ?? []).map((name) => `${name}:${c.port}`)),
  ]);
  if (!ruleFiles.length || !targets.length) {
    throw new Error(`${file}: expected rule_files and a scrape target`);
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

const INITDB = '/docker-entrypoint-initdb.d';

/**
 * The scripts the postgres image runs on an empty data directory: the .sh and .sql files mounted
 * into /docker-entrypoint-initdb.d, or found in a directory mounted there. The name inside the
 * container decides whether the image runs a file.
 */
function initScripts(postgres: ComposeService) {
  return (postgres.volumes ?? []).flatMap((mount) => {
    if (mount.type !== 'bind' || !mount.source) return [];
    const files =
      mount.target === INITDB && statSync(mount.source).isDirectory()
        ? readdirSync(mount.source).map((f) => ({
            source: path.join(mount.source!, f),
            target: `${INITDB}/${f}`,
          }))
        : [{ source: mount.source, target: mount.target }];
    return files.filter((f) => path.posix.dirname(f.target) === INITDB && /\.(sh|sql)$/.test(f.target));
  });
}

/**
 * The roles an init script creates (CREATE ROLE / CREATE USER) and their options. A shell script's
 * SQL is read from its here-documents; a name given as a psql variable (`:"role"`) is resolved
 * through the script's `-v role="$VAR"` and the service's environment, and stays empty otherwise.
 */
function createdRoles(script: { source: string; target: string }, env: Record<string, string | null>) {
  const text = readFileSync(script.source, 'utf8');
  const sql = script.target.endsWith('.sql')
    ? text
    : [...text.matchAll(/<<-?\s*(['"]?)(\w+)\1[^\n]*\n([\s\S]*?)\n\s*\2$/gm)].map((m) => m[3]).join('\n');
  const statements = sql.replace(/--[^\n]*/g, '').matchAll(/\bCREATE\s+(?:ROLE|USER)\s+(\S+)([^;]*);/gi);
  return [...statements].map(([, spelt, options]) => {
    const variable = /^:["']?(\w+)["']?$/.exec(spelt!)?.[1];
    const from =
      variable && new RegExp(`(?:-v|--set|--variable)[\\s=]+${variable}=["']?\\$\\{?(\\w+)`).exec(text)?.[1];
    const name = variable ? (from && env[from]) || '' : spelt!;
    // Unquoted identifiers fold to lower case in PostgreSQL.
    return {
      name: /^"/.test(name) ? name.slice(1, -1) : variable ? name : name.toLowerCase(),
      options: options!,
    };
  });
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
  let client: ComposeClient | null = null;
  let config: Compose | null = null;

  before(async () => {
    client = await composeClient();
    if (client) config = await composeConfig(client);
  });

  /** Skips a case that needs the compose client, saying so in the report. */
  function needsCompose(ctx: Mocha.Context): Compose {
    if (!config) {
      ctx.test!.title += ' (skipped: no `docker compose` or `docker-compose` client on this machine)';
      ctx.skip();
    }
    return config!;
  }

  it('the compose client validates docker-compose.yml (config -q)', async function () {
    needsCompose(this);
    const { stderr } = await compose(client!, 'config', '-q');
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

  it('runs Prometheus without the lifecycle API (no --web.enable-lifecycle)', function () {
    const command = needsCompose(this).services.prometheus!.command;
    expect(command, 'prometheus command').to.be.an('array').that.is.not.empty;
    // With it, anyone who reaches :9090 could POST /-/quit or /-/reload.
    expect(command!.filter((arg) => arg.startsWith('--web.enable-lifecycle'))).to.deep.equal([]);
  });

  it('the shop connects to PostgreSQL as a plain role an init script creates NOSUPERUSER, not as the superuser', function () {
    const { services } = needsCompose(this);
    const postgres = services.postgres!;
    const env = postgres.environment ?? {};
    const user = decodeURIComponent(new URL(services.shop!.environment!.DATABASE_URL!).username);
    expect(user, 'DATABASE_URL user').to.not.equal('');
    // The postgres image makes POSTGRES_USER (postgres when unset) the superuser.
    expect(user).to.not.equal(env.POSTGRES_USER ?? 'postgres');

    const scripts = initScripts(postgres);
    for (const script of scripts) expect(statSync(script.source).isFile(), script.source).to.equal(true);
    const roles = scripts.flatMap((script) => createdRoles(script, env).map((role) => ({ ...role, script })));
    const role = roles.find((r) => r.name === user);
    expect(role, `a script in ${INITDB} creating ${user}: ${JSON.stringify(roles)}`).to.not.equal(undefined);
    expect(role!.options).to.match(/\bNOSUPERUSER\b/i);
    expect(role!.options).to.not.match(/(?<![a-z])SUPERUSER\b/i);
  });

  it('runs the shop as replicas behind an haproxy service configured from deploy/haproxy', async function () {
    const { services } = needsCompose(this);
    const { haproxy, shop } = services;
    expect(haproxy, 'an haproxy service').to.not.equal(undefined);
    expect(haproxy!.image).to.match(/^haproxy:2\./);
    // Shoppers reach the replicas through HAProxy only: the shop publishes no port of its own.
    expect(shop!.ports ?? []).to.deep.equal([]);
    expect(haproxy!.ports?.map((p) => [p.host_ip, p.published, p.target])).to.deep.include([
      '127.0.0.1',
      String(loadConfig({}).http.port),
      3000,
    ]);
    expect(shop!.deploy?.replicas ?? 1).to.be.at.least(2);

    // HAProxy appends one X-Forwarded-For entry: the shop trusts exactly that hop.
    const env = Object.fromEntries(Object.entries(shop!.environment!).map(([k, v]) => [k, v ?? undefined]));
    expect(loadConfig(env).http.proxyHops).to.equal(1);
    expect(loadConfig(env).shutdown.drainMs).to.be.above(0);

    // The files HAProxy is started with come from deploy/haproxy through its mount.
    const args = haproxy!.command ?? [];
    const files = args.flatMap((arg, i) => (args[i - 1] === '-f' ? [arg] : []));
    const onHost = files.map((f) => hostPath(haproxy!, f));
    expect(onHost).to.deep.equal([
      repo('deploy/haproxy/haproxy.cfg'),
      repo('deploy/haproxy/servers.compose.cfg'),
    ]);
    const servers = readFileSync(onHost[1]!, 'utf8');
    // Every replica, found through Docker's DNS under the service's name, on the port it listens on.
    expect(servers).to.match(/^\s*server-template\s+\S+\s+\S+\s+shop:3000\s.*\bresolvers docker\b/m);
    expect(servers).to.match(/^\s*nameserver\s+\S+\s+127\.0\.0\.11:53/m);

    // Debian's haproxy (as the fleet tests use) parses the pair as the container will.
    const haproxyFound = await run('haproxy', ['-v']).then(
      () => true,
      () => false,
    );
    if (haproxyFound) {
      const given = Object.entries(haproxy!.environment ?? {}).flatMap(([k, v]) =>
        v === null ? [] : [[k, v]],
      );
      await run('haproxy', ['-c', '-q', ...onHost.flatMap((f) => ['-f', f!])], {
        env: { ...process.env, ...Object.fromEntries(given) },
      });
    }
  });

  it('publishes ports on 127.0.0.1 only', function () {
    const { services } = needsCompose(this);
    // The demo users' password is published: nothing of the stack may answer on other interfaces.
    for (const [name, service] of Object.entries(services)) {
      expect(service.network_mode, `${name}: network_mode`).to.not.equal('host');
    }
    const ports = Object.entries(services).flatMap(([name, s]) =>
      (s.ports ?? []).map((p) => ({ name, ...p })),
    );
    expect(ports).to.have.length.above(0);
    for (const port of ports)
      expect(port.host_ip, `${port.name}: ${JSON.stringify(port)}`).to.equal('127.0.0.1');
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
