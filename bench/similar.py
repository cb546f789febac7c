"""Similar movies from an inf-ae checkpoint at scale, as a user meets them: `sae-movies similar --movie ID` on synthetic data of
10M and 25M ratings (written by `sae-movies synth`, as in bench/scale.py), each run a fresh command timed from start to exit,
with its own peak resident memory (wait4). The command loads the checkpoint and the data, computes every movie's vector
(07c_infinite) and lists the closest ones. Each size's checkpoint comes from one `sae-movies train --model inf-ae` at one point of
its validation grid (--settings; the default grid took 26 minutes at 25M, every_model-inf-ae.json), reused from --keep when it is there.

    .venv/bin/python bench/similar.py [--sizes 10m,25m] [--rounds 2] [--keep DIR] [--settings l2=10,b_var=0.01] [--movie 2]
                                      [--compare DIR] [--compare-square 1] [--out FILE]

With --compare DIR the sae_movies in DIR runs too (put first on PYTHONPATH: a `git worktree` of an older commit), the two taking
turns, each round starting with the other, and the script checks that both list the same movies. Before 07c_infinite's
identity, a command held the scores of every one-movie person, a movies x movies matrix, and the Recommender made two float64
copies of it: at least 16 bytes per pair of movies at once. Where that is over four fifths of this machine's memory the script
prints it and does not run the older package; `--compare-square 0` says the package in DIR has the identity already (it then
runs at every size, its own memory check deciding). Prints the medians and saves every run in bench/results/similar.json.

bench/results/similar-float32.json is `--keep DIR --compare OLD --compare-square 0 --out bench/results/similar-float32.json`,
OLD a worktree of fbc6b22, whose Recommender kept the normalised vectors in float64, with the checkpoints of similar.json.
similar-rank32.json is `--sizes 25m` with the same options, OLD a worktree of 387b268, whose inf-ae scored with a float64 kernel.
"""
import json, os, sys, tempfile, time
from pathlib import Path
import pandas as pd
sys.path.insert(0, str(Path(__file__).parent))
from scale import SIZES, synth_folder, save_results, bench_args, two_packages, run_checked, CLI
os.environ['SAE_MOVIES_CACHE'] = 'off'  # every command parses the ratings, as in the runs saved before the parsed-ratings cache (00_data)
from sae_movies.core import physical_memory

def checkpoint(folder:Path, release:str, settings:str, out:Path)->dict:
    "Train inf-ae at one grid point into `out` (once: kept with the data); the command's seconds and peak memory."
    if out.exists(): return {}
    args = [CLI, 'train', '--model', 'inf-ae', '--data', release, '--path', str(folder), '--out', str(out), '--quiet', '--json']
    for s in settings.split(','): args += ['--set', s]
    got = run_checked(args)
    return {'train_seconds': got['seconds'], 'train_peak_gb': got['peak_gb']}

def similar(folder:Path, ckpt:Path, movie:str, env:dict)->dict:
    "Run `sae-movies similar` once: its seconds, peak memory and the list it printed."
    args = [CLI, 'similar', str(ckpt), '--path', str(folder), '--movie', movie, '--json']
    got = run_checked(args, env)
    listed = json.loads(got['stdout'])['similar']
    return dict(seconds=got['seconds'], peak_gb=got['peak_gb'], movie_ids=[m['movie_id'] for m in listed], similarity=[m['similarity'] for m in listed])

if __name__ == '__main__':
    p = bench_args(__doc__, sizes='10m,25m', rounds=(2, 'rounds'), settings=('l2=10,b_var=0.01', "inf-ae's settings, comma-separated NAME=VALUE"),
                   movie=('2', 'the movie asked about (an id every generated size has)'), compare=('', 'folder of another sae_movies (a git worktree)'),
                   compare_square=(1, "1: the package in --compare scores every one-movie person (16 bytes a pair of movies); 0: it has 07c's identity"),
                   out=('bench/results/similar.json', 'results file'))
    a, t0 = p.parse_args(), time.perf_counter()
    root, rows, trained, skipped, memory = Path(a.keep or tempfile.mkdtemp()), [], {}, {}, physical_memory()
    kept = next((f for f in (Path(a.out), Path('bench/results/similar.json')) if f.exists()), None)  # the results that trained a kept checkpoint
    before = json.loads(kept.read_text()).get('trained', {}) if kept else {}  # its training figures
    other, envs, sources = two_packages(a.compare) if a.compare else (None, {'installed': {}}, {})
    save = lambda quiet=True: save_results(Path(a.out), t0, quiet=quiet, rows=rows, trained=trained, skipped=skipped, settings=a.settings,
                                           movie=a.movie, rounds=a.rounds, packages=sources, memory_gb=memory / 1e9)
    for size in a.sizes.split(','):
        folder, _ = synth_folder(root, size); n_movies, release = SIZES[size][1], SIZES[size][3]
        ckpt = root/f'inf-ae-{size}.pt'
        trained[size] = checkpoint(folder, release, a.settings, ckpt) or before.get(size, {}); save()
        names = list(envs)
        if other and a.compare_square and (need := 16 * n_movies ** 2) > 0.8 * memory:
            skipped[size] = f"{other}: its movie vectors need at least {need / 1e9:.1f} GB ({n_movies:,} movies), over four fifths of {memory / 1e9:.1f} GB"
            print(f'{size:>4} not run: {skipped[size]}', flush=True); names = ['installed']
        for r in range(a.rounds):
            for name in (names if r % 2 == 0 else names[::-1]):
                got = similar(folder, ckpt, a.movie, envs[name])
                rows.append({'size': size, 'package': name, 'round': r, **got}); save()
                print(f"{size:>4} {name} round {r}: {got['seconds']:6.1f} s, {got['peak_gb']:.2f} GB; first ids {got['movie_ids'][:5]}", flush=True)
    t = pd.DataFrame(rows)
    same = t.groupby('size').movie_ids.apply(lambda s: all(x == s.iloc[0] for x in s))
    print('\nmedians:\n' + t.groupby(['size', 'package'])[['seconds', 'peak_gb']].median().round(2).to_string())
    print('\nthe same list in every run:\n' + same.to_string())
    save(quiet=False)
