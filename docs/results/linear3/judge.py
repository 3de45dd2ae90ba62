"""The rule of 19:08 (docs/results/rules_2026-12-06.md) judged: run from the project root."""
import pandas as pd

R = "docs/results/linear3"
rows=[]
for c in ["pmlb_dev","realworld_dev"]:
    try:
        h=pd.read_csv(f"{R}/head/{c}/tune_runs.csv"); k=pd.read_csv(f"{R}/candidate/{c}/tune_runs.csv")
    except FileNotFoundError: continue
    h=h[h.method=="metahpo_auto"]; k=k[k.method=="metahpo_auto_l3"]
    m=h.merge(k,on=["dataset_id","task"],suffixes=("_h","_c"))
    m["corpus"]=c; rows.append(m)
m=pd.concat(rows)
m["wall_h"]=m.search_s_h+m.fit_s_h; m["wall_c"]=m.search_s_c+m.fit_s_c
m["ratio"]=m.wall_c/m.wall_h; m["diff"]=m.test_score_c-m.test_score_h
b=m[m.task=="binary"]; o=m[m.task!="binary"]
print(m[["corpus","dataset_id","task","best_family_h","best_family_c","trials_linear_h","wall_h","wall_c","ratio","diff"]].round(4).to_string())
print(f"binary: n={len(b)} median ratio {b.ratio.median():.3f}; test diff mean {b['diff'].mean():+.4f} min {b['diff'].min():+.4f}")
print(f"others: n={len(o)} median ratio {o.ratio.median():.3f}; identical scores {(o['diff'].abs()<1e-12).sum()} of {len(o)}, max |diff| {o['diff'].abs().max():.2e}")
