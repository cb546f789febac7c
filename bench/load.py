"""A bounded load test of the web app as users meet it: `sae-movies serve` started cold in its own process on 127.0.0.1 with
the shipped models (the default top-N blend ranks, I-AutoRec gives the stars), then 20 concurrent clients, each a visitor with its own cookie,
sending 2,000 requests in all, back to back (searching as they type, rating, asking the JSON API, opening similar movies),
and stopping by themselves; once with one server process and once with `--workers 2`. Afterwards the database is read back: every rating the server acknowledged must be in it.

    SAE_MOVIES_DATA=../shared/movielens .venv/bin/python bench/load.py [--clients 20] [--requests 2000] [--workers 1,2]

Prints latency percentiles per kind of request and overall, errors and lost ratings, and saves them as
bench/results/load.json.

`--compare DIR --rounds N` instead measures two packages against each other: the installed one and the sae_movies in DIR
(put first on the server's PYTHONPATH, e.g. a `git worktree` of an older commit), N rounds, the two taking turns and each
round starting with the other (it checks which package the server imports, and records each side's commit); it prints each one's medians and saves every run in bench/results/load-compare.json (--out: another file). The clients run in this process and the server in its own, on the same 2 cores: the latencies
include the clients' own share of the CPU, so they are an upper bound on what a remote visitor would see.
"""
import argparse, json, os, platform, resource, sqlite3, sys, tempfile, threading, time
from pathlib import Path
import httpx, numpy as np, pandas as pd
from sae_movies.testing import serving
from sae_movies.core import atomic_write  # results replaced whole or not at all
sys.path.insert(0, str(Path(__file__).parent))
from scale import two_packages, environment

GOALS = {'p99 (ms)': 100.0, 'errors': 0, 'lost ratings': 0}

def visitor(url:str, n:int, movies:list, seed:int, log:list, acked:dict):
    "One visitor: a fixed mix of requests, `n` in all, each timed; ratings the server acknowledged are remembered."
    rng = np.random.default_rng(seed)
    words = ['star', 'the', 'love', 'fargo', 'toy', 'godfather', 'alien', 'casa', 'termin', 'batman']
    with httpx.Client(base_url=url, timeout=30) as c:
        c.get('/')  # the first visit sets the cookie
        me = c.cookies.get('sae_visitor')
        for i in range(n):
            kind = ['search', 'rate', 'api-recommend', 'search', 'rate', 'similar', 'list', 'rate', 'search', 'api-recommend'][i % 10]
            m, r = int(rng.choice(movies)), int(rng.integers(1, 6))
            t = time.perf_counter()
            try:
                if kind == 'search': w = str(rng.choice(words)); resp = c.get('/ui/search', params={'q': w[:int(rng.integers(2, len(w) + 1))]})
                elif kind == 'rate': resp = c.post('/ui/rate', data={'movie_id': m, 'rating': r})
                elif kind == 'api-recommend':
                    picks = rng.choice(movies, 5, replace=False)
                    resp = c.post('/api/recommendations', json={'ratings': {str(int(x)): int(rng.integers(1, 6)) for x in picks}, 'n': 10})
                elif kind == 'similar': resp = c.get(f'/api/movies/{m}/similar', params={'n': 10})
                else: resp = c.get('/ui/recommendations')
                ok = resp.status_code == 200
            except httpx.HTTPError: ok = False
            log.append((kind, (time.perf_counter() - t) * 1e3, ok))
            if ok and kind == 'rate': acked[(me, m)] = float(r)  # the latest acknowledged rating of this visitor for this movie

def run(clients:int, requests:int, workers:int)->dict:
    tmp = Path(tempfile.mkdtemp()); db = tmp/'load.db'
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with serving('--db', db, '--workers', workers) as url:
        cold = time.perf_counter() - t0
        movies = [m['movie_id'] for m in httpx.get(f'{url}/api/movies', params={'q': 'the', 'n': 100}).json()['movies']]
        log, acked, threads = [], {}, []
        per = [requests // clients + (i < requests % clients) for i in range(clients)]
        t1, cpu1 = time.perf_counter(), time.process_time()
        for i in range(clients):
            threads.append(threading.Thread(target=visitor, args=(url, per[i], movies, i, log, acked))); threads[-1].start()
        for th in threads: th.join()
        wall, client_cpu = time.perf_counter() - t1, time.process_time() - cpu1
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the server (and its workers) stopped and were waited for
    server_cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    with sqlite3.connect(db) as con: stored = {(v, m): r for v, m, r in con.execute('select visitor, movie_id, rating from ratings')}
    lost = sum(stored.get(k) != r for k, r in acked.items())
    df = pd.DataFrame(log, columns=['kind', 'ms', 'ok'])
    def stats(g): return {'requests': len(g), 'p50 (ms)': g.ms.median(), 'p90 (ms)': g.ms.quantile(.9), 'p99 (ms)': g.ms.quantile(.99), 'max (ms)': g.ms.max(), 'errors': int((~g.ok).sum())}
    rows = [{'kind': k, **stats(g)} for k, g in df.groupby('kind')] + [{'kind': 'all', **stats(df)}]
    total = rows[-1]
    goals = [{'goal': k, 'target': v, 'measured': (total[k] if k != 'lost ratings' else lost),
              'met': bool((total[k] if k != 'lost ratings' else lost) <= v)} for k, v in GOALS.items()]
    return {'workers': workers, 'rows': rows, 'clients': clients, 'requests': len(df), 'wall_s': wall, 'throughput (req/s)': len(df) / wall,
            'cold_start_s': cold, 'client_cpu_s': client_cpu, 'server_cpu_s (with start-up)': server_cpu, 'ratings_acknowledged': len(acked), 'ratings_stored': len(stored), 'lost_ratings': lost, 'goals': goals,
            'machine': {'cpus': os.cpu_count(), 'python': platform.python_version(), 'platform': platform.platform()}}

def compare(a):
    "Each worker count `a.rounds` times with the installed package and with the one in `a.compare`, taking turns; medians printed, every run saved."
    (name, env, sides), rows = two_packages(a.compare), []
    for r in range(a.rounds):
        for package in ('installed', name) if r % 2 == 0 else (name, 'installed'):
            for w in map(int, a.workers.split(',')):
                with environment(env[package]): got = run(a.clients, a.requests, w)  # the server imports the package first on its PYTHONPATH
                rows.append({'package': package, 'round': r, 'workers': w, 'throughput (req/s)': got['throughput (req/s)'], 'cold_start_s': got['cold_start_s'],
                             **{k: got['rows'][-1][k] for k in ('p50 (ms)', 'p99 (ms)', 'max (ms)', 'errors')}, 'lost_ratings': got['lost_ratings']})
                print(pd.DataFrame(rows[-1:]).round(1).to_string(index=False, header=len(rows) == 1), flush=True)
    print('\nmedians:\n' + pd.DataFrame(rows).groupby(['workers', 'package']).median(numeric_only=True).drop(columns='round').round(1).to_string())
    out = Path(a.out) if a.out else Path(__file__).parent/'results'/'load-compare.json'
    atomic_write(out, lambda tmp: tmp.write_text(json.dumps({'rows': rows, 'other': f'{name}, put first on the server\'s PYTHONPATH from {a.compare}', 'packages': sides, 'rounds': a.rounds, 'clients': a.clients, 'requests': a.requests,
                                                             'machine': {'cpus': os.cpu_count(), 'python': platform.python_version()}}, indent=1, default=float)))
    print(f'saved {out}')

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--clients', type=int, default=20); ap.add_argument('--requests', type=int, default=2000)
    ap.add_argument('--workers', default='1,2', help='server processes to try, comma-separated')
    ap.add_argument('--compare', metavar='DIR', help='a folder holding another sae_movies, measured against the installed one')
    ap.add_argument('--rounds', type=int, default=3, help='rounds of the comparison'); ap.add_argument('--out', help='where to save the comparison')
    a = ap.parse_args()
    if a.compare: compare(a); raise SystemExit
    runs = [run(a.clients, a.requests, int(w)) for w in a.workers.split(',')]
    table = pd.DataFrame([{'workers': r['workers'], **row} for r in runs for row in r['rows']]).set_index(['workers', 'kind'])
    print(table.round(1).to_string())
    for r in runs:
        print(f"\n--workers {r['workers']}: {r['requests']} requests from {r['clients']} clients in {r['wall_s']:.1f} s ({r['throughput (req/s)']:.0f}/s); "
              f"server cold start {r['cold_start_s']:.1f} s; CPU: clients {r['client_cpu_s']:.1f} s, server {r['server_cpu_s (with start-up)']:.1f} s "
              f"(with its start-up); ratings acknowledged {r['ratings_acknowledged']}, lost {r['lost_ratings']}")
        print(pd.DataFrame(r['goals']).set_index('goal').to_string())
    out = Path(__file__).parent/'results'/'load.json'
    atomic_write(out, lambda tmp: tmp.write_text(json.dumps({'runs': runs}, indent=1, default=float)))
    print(f'saved {out}')
