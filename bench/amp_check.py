"""What bfloat16 autocast (03_train's AMP, on by default on CUDA) buys the networks on a GPU: each setting's fit time,
result and GPU memory, side by side. Runs `bench/device_check.py` in a fresh process per setting, SAE_MOVIES_AMP=0 and 1
taking turns for `--rounds` rounds (off first in even rounds, on first in odd ones, so neither setting always meets the
colder machine), and reports medians:

    python bench/amp_check.py [--models attentive-ae,mult-vae,deep-ae] [--rounds 2] [--device cuda]

Saves bench/results/amp_check.json. The saved table was made with `--from bench/results/amp_check_runs/*.json`: four
device_check runs on an NVIDIA H200 (SAE_MOVIES_AMP=0, 1, 0, 1, three models each, the file names in that order), made
by hand with this loop's commands before it alternated the order, so AMP-off went first in both rounds. `--from FILE...`
builds the same table from device_check result files already made (each run in them records the setting it used as
`amp`; only `--models` on `--device` are read), without fitting anything. On a machine without CUDA, `--device cpu` is a
dry run of the procedure: autocast is only used on CUDA, so both settings train alike there."""
import argparse, json, os, subprocess, sys, tempfile, time
from pathlib import Path
import pandas as pd
HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from scale import save_results  # machine, date and seconds beside the results, written atomically

def rows_of(path:Path, round_:int, models:list, device:str)->tuple: # (rows, the file's last run)
    "The sound fits of `models` on `device` in one device_check result file, each with the AMP setting of the run that made it, and its round."
    d = json.loads(Path(path).read_text())
    def amp(r):  # the last run that fitted this model on this device
        run = [u for u in d['runs'] if r['model'] in u['models'] and r['device'] in u.get('devices', ['cpu'])][-1:]
        if not run or 'amp' not in run[0]: raise SystemExit(f"{path}: no AMP setting recorded for {r['model']} on {r['device']} (a device_check run from before `amp` was saved)")
        return bool(run[0]['amp'])
    return [{**r, 'amp': amp(r), 'round': round_, 'file': Path(path).name} for r in d['rows']
            if r.get('ok') and r['model'] in models and r['device'] == device], d['runs'][-1]

def table(rows:list)->pd.DataFrame:
    "Per model: median fit seconds, result and GPU peak with AMP on and off; `off / on` > 1 means AMP is faster."
    t = pd.DataFrame(rows).assign(amp=lambda d: d.amp.map({True: 'on', False: 'off'}))
    if set(t.amp) != {'on', 'off'}: raise SystemExit(f"fits with AMP {' and '.join(sorted(set(t.amp)))} only: the table needs both settings")
    cols = [c for c in ('fit_s', 'value', 'gpu_peak_gb') if c in t]
    w = t.groupby(['model', 'metric', 'amp'], sort=False)[cols].median().unstack('amp')
    w.columns = [f'{c}_{a}' for c, a in w.columns]
    n = t.groupby(['model', 'amp']).size().unstack('amp').min(axis=1).rename('runs_each')
    return w.assign(fit_off_over_on=w.fit_s_off / w.fit_s_on).join(n, on='model').reset_index()

def fit_all(models:str, rounds:int, device:str, extra:list, folder:Path)->list:
    "Fit the models with AMP off and on, `rounds` times, each in a fresh process, the first setting of a round alternating; their result files."
    files = []
    for r in range(rounds):
        for amp in ('0', '1')[::1 if r % 2 == 0 else -1]:
            out = folder/f'round{r}-amp{amp}.json'
            cmd = [sys.executable, str(HERE/'device_check.py'), '--devices', device, '--models', models, '--out', str(out), *extra]
            p = subprocess.run(cmd, env={**os.environ, 'SAE_MOVIES_AMP': amp}, capture_output=True, text=True)
            if p.returncode: raise SystemExit(f'round {r}, SAE_MOVIES_AMP={amp} failed:\n{p.stdout[-2000:]}{p.stderr[-2000:]}')
            files.append((out, r))
    return files

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--models', default='attentive-ae,mult-vae,deep-ae'); ap.add_argument('--rounds', type=int, default=2)
    ap.add_argument('--device', default='cuda'); ap.add_argument('--from', dest='files', nargs='+', type=Path, help='device_check result files to tabulate instead of fitting')
    ap.add_argument('--out', type=Path, default=HERE/'results'/'amp_check.json')
    a, extra = ap.parse_known_args()  # anything else (--users, --epochs ...) goes to device_check.py
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        files = [(f, i) for i, f in enumerate(a.files)] if a.files else fit_all(a.models, a.rounds, a.device, extra, Path(tmp))
        got = [rows_of(f, r, a.models.split(','), a.device) for f, r in files]
    rows, runs = [x for rs, _ in got for x in rs], [run for _, run in got]
    t = table(rows)
    print(t.round(4).to_string(index=False))
    save_results(a.out, t0, table=t.to_dict('records'), rows=rows, runs=runs, from_files=bool(a.files),
                 args={**vars(a), 'out': str(a.out), 'files': [str(f) for f in a.files or []]}, extra=extra)
