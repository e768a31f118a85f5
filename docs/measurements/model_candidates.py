"""Benchmark a GGUF instruct model: load time, tokens/s, peak RSS, answer coverage, JSON-schema output.
usage: python bench.py RUNTIME MODEL_PATH LABEL   (RUNTIME: llama_cpp | xllamacpp | transformers)
"""
import json, os, re, resource, sys, time, statistics

RUNTIME, MODEL, LABEL = sys.argv[1], sys.argv[2], sys.argv[3]
QUICK = os.environ.get("QUICK") == "1"
THREADS = int(os.environ.get("THREADS", "2"))

def rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

QUESTIONS = [
 ("Explain how a rainbow forms.", {
   "sunlight": r"sun ?light|sun's light|white light|light from the sun|sun",
   "water droplets": r"droplet|raindrop|rain drop|drops? of (rain|water)|water drop|rain|mist",
   "refraction": r"refract|bend",
   "reflection": r"reflect",
   "dispersion into colours": r"dispers|spectrum|wavelength|separat\w* (into|the)? ?(different )?colou?r|split\w* (into|the)? ?(different )?colou?r|prism|different colou?rs"}),
 ("What is the capital of Australia?", {"Canberra": r"canberra"}),
 ("Why is the sky blue?", {
   "sunlight": r"sun ?light|light from the sun|sun's light|white light",
   "scattering": r"scatter",
   "short wavelength": r"short(er)? wavelength|wavelength|blue light (is|gets) scattered more|higher frequency",
   "atmosphere / air molecules": r"atmospher|air|molecule|nitrogen|oxygen|gas"}),
 ("How do vaccines work?", {
   "immune system": r"immun",
   "harmless piece / weakened pathogen": r"weaken|inactivat|dead|killed|harmless|piece|part of|antigen|protein|mrna|attenuat|fragment",
   "antibodies": r"antibod",
   "memory": r"memory|remember|recogni",
   "future protection": r"protect|future|fight off|defend|prevent"}),
 ("What causes tides?", {
   "moon": r"moon|lunar",
   "gravity": r"gravit",
   "sun": r"\bsun\b|solar",
   "ocean bulge / rise and fall": r"bulge|rise and fall|high tide|low tide|ocean|sea level",
   "earth's rotation": r"rotat|spin"}),
 ("Explain photosynthesis.", {
   "light energy": r"light|sun",
   "carbon dioxide": r"carbon dioxide|co2|co₂",
   "water": r"water|h2o",
   "glucose / sugar": r"glucose|sugar|carbohydrate",
   "oxygen": r"oxygen|\bo2\b",
   "chlorophyll / chloroplast": r"chlorophyll|chloroplast"}),
 ("How does a bicycle stay upright?", {
   "steering into the fall": r"steer|turn\w* the (handlebar|front wheel)|handlebar",
   "gyroscopic effect / angular momentum": r"gyroscop|angular momentum",
   "forward motion / speed": r"speed|moving|motion|momentum|forward",
   "balance / centre of mass": r"balanc|cent(er|re) of (mass|gravity)",
   "trail / fork geometry": r"trail|caster|castor|fork|geometry"}),
 ("What is inflation?", {
   "rise in prices": r"(increase|rise|rising|higher|go(es)? up|going up)\w* (in |of )?(the )?(general )?(price|cost)|prices? (rise|increase|go up|goes up)|price level",
   "purchasing power falls": r"purchasing power|buy less|buys less|value of money|less valuable|fewer goods",
   "over time / general level": r"over time|general|overall|economy",
   "money supply / central bank / interest rates": r"money supply|central bank|interest rate|printing money|monetary",
   "demand / costs": r"demand|supply|cost"}),
 ("How do plants drink water?", {
   "roots": r"\broots?\b",
   "xylem": r"xylem|vessel|tube",
   "transpiration / evaporation from leaves": r"transpir|evaporat",
   "osmosis / capillary / cohesion": r"osmos|capillar|cohesi|adhesi",
   "leaves / stomata": r"lea(f|ves)|stomat"}),
 ("Why do we have seasons?", {
   "axial tilt": r"tilt|axis|23\.?5",
   "orbit around the sun": r"orbit|around the sun|revol",
   "sunlight angle / day length": r"direct|angle|daylight|longer days|hours of (sun)?light|more sunlight|less sunlight|intensity",
   "hemispheres": r"hemispher|northern|southern"}),
 ("What is a black hole?", {
   "gravity": r"gravit",
   "light cannot escape": r"(not even|nothing,? (not )?even|including) light|light can ?not escape|light cannot|escape",
   "collapsed massive star": r"collaps|massive star|dying star|star (dies|collapses)|supernova",
   "event horizon": r"event horizon",
   "singularity / dense": r"singularit|dense|density|compress"}),
 ("How does the heart pump blood?", {
   "chambers": r"chamber|atri(a|um)|ventricle",
   "muscle contraction": r"contract|squeez|muscle|beat",
   "valves": r"valve",
   "lungs / oxygen": r"lung|oxygen",
   "vessels": r"arter|vein|vessel|aorta"}),
]
SYSTEM = "You are a helpful assistant. Answer the question clearly and correctly in one short paragraph."

DIAGRAM_SCHEMA = {"type": "object", "properties": {
    "nodes": {"type": "array", "items": {"type": "string", "maxLength": 40}, "minItems": 2, "maxItems": 8},
    "edges": {"type": "array", "items": {"type": "array", "items": {"type": "string", "maxLength": 40}, "minItems": 2, "maxItems": 2}, "minItems": 1, "maxItems": 10}},
    "required": ["nodes", "edges"]}
MODAL_SCHEMA = {"type": "object", "properties": {
    "outputs": {"type": "array", "items": {"type": "string", "enum": ["text", "image", "audio", "video", "document", "code", "threeD"]}}},
    "required": ["outputs"]}
MODAL_TASKS = [
  ("Draw me a picture of a cat and read me a poem about it out loud.", {"image", "audio"}),
  ("Write a PDF report on last year's sales and record a spoken summary of it.", {"document", "audio"}),
  ("Make a 3D model of a chair and Python code that computes its volume.", {"threeD", "code"}),
  ("Make a short video that explains how tides work.", {"video"}),
]

# ---------------- runtimes ----------------
t0 = time.perf_counter()
if RUNTIME == "llama_cpp":
    import llama_cpp
    t_imp = time.perf_counter() - t0
    t0 = time.perf_counter()
    llm = llama_cpp.Llama(model_path=MODEL, n_ctx=2048, n_threads=THREADS, n_threads_batch=THREADS, verbose=False, seed=0)
    load_s = time.perf_counter() - t0
    def chat(messages, max_tokens, schema=None):
        kw = {}
        if schema is not None:
            kw["response_format"] = {"type": "json_object", "schema": schema}
        r = llm.create_chat_completion(messages=messages, max_tokens=max_tokens, temperature=0.0, **kw)
        return r["choices"][0]["message"]["content"], r["usage"]["completion_tokens"]
    version = llama_cpp.__version__
elif RUNTIME == "xllamacpp":
    import xllamacpp as xlc
    t_imp = time.perf_counter() - t0
    t0 = time.perf_counter()
    p = xlc.CommonParams()
    p.model.path = MODEL
    p.n_ctx = 2048
    p.cpuparams.n_threads = THREADS
    p.cpuparams_batch.n_threads = THREADS
    p.n_parallel = 1
    p.warmup = False
    server = xlc.Server(p)
    load_s = time.perf_counter() - t0
    def chat(messages, max_tokens, schema=None):
        req = {"messages": messages, "max_tokens": max_tokens, "temperature": 0.0}
        if schema is not None:
            req["response_format"] = {"type": "json_schema", "json_schema": {"name": "out", "schema": schema}}
        r = server.handle_chat_completions(req)
        if isinstance(r, str):
            r = json.loads(r)
        if "choices" not in r:
            raise RuntimeError(str(r)[:300])
        return r["choices"][0]["message"]["content"], r["usage"]["completion_tokens"]
    version = xlc.__version__
elif RUNTIME == "transformers":
    import torch, transformers
    torch.set_num_threads(THREADS)
    t_imp = time.perf_counter() - t0
    gguf_dir, gguf_file = os.path.split(MODEL)
    cache = os.environ.get("HF_CACHE_DIR", "/tmp/llm-research/hfcache/" + LABEL)
    t0 = time.perf_counter()
    if os.path.isdir(cache):
        tok = transformers.AutoTokenizer.from_pretrained(cache)
        model = transformers.AutoModelForCausalLM.from_pretrained(cache, torch_dtype=torch.float32)
        load_kind = "cached safetensors"
    else:
        tok = transformers.AutoTokenizer.from_pretrained(gguf_dir, gguf_file=gguf_file)
        model = transformers.AutoModelForCausalLM.from_pretrained(gguf_dir, gguf_file=gguf_file, torch_dtype=torch.float32)
        load_kind = "from GGUF (dequantise)"
    load_s = time.perf_counter() - t0
    if not os.path.isdir(cache):
        t1 = time.perf_counter(); model.hf_quantizer = None
        if hasattr(model.config, 'quantization_config'): del model.config.quantization_config
        model.save_pretrained(cache); tok.save_pretrained(cache)
        print("saved cache in %.1fs" % (time.perf_counter() - t1), file=sys.stderr)
    model.eval()
    def chat(messages, max_tokens, schema=None):
        if schema is not None:
            raise NotImplementedError("no constrained decoding in plain transformers")
        ids = tok.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt")
        if not isinstance(ids, torch.Tensor):
            ids = ids["input_ids"]
        with torch.inference_mode():
            out = model.generate(ids, max_new_tokens=max_tokens, do_sample=False, repetition_penalty=1.1)
        gen = out[0, ids.shape[1]:]
        return tok.decode(gen, skip_special_tokens=True), int(gen.shape[0])
    version = transformers.__version__ + " torch " + torch.__version__ + " (" + load_kind + ")"
else:
    raise SystemExit("unknown runtime")

res = {"label": LABEL, "runtime": RUNTIME, "runtime_version": version, "model": MODEL,
       "model_size_mb": round(os.path.getsize(MODEL) / 1e6, 1), "import_s": round(t_imp, 2),
       "load_s": round(load_s, 2), "rss_after_load_mib": round(rss_mib(), 1)}
print(json.dumps(res), file=sys.stderr)

# ---------------- speed: ~150-token answer ----------------
speed = []
res["loadavg_start"] = open("/proc/loadavg").read().split()[:3]
for i in range(1 if QUICK else int(os.environ.get("SPEED_RUNS", "5"))):
    t0 = time.perf_counter()
    txt, n = chat([{"role": "system", "content": SYSTEM}, {"role": "user", "content": "Write a long, detailed story about a dragon who learns to bake bread."}], 150)
    dt = time.perf_counter() - t0
    speed.append({"tokens": n, "seconds": round(dt, 2), "tok_per_s": round(n / dt, 1)})
res["speed_runs"] = speed
res["tok_per_s"] = statistics.median(s["tok_per_s"] for s in speed)
res["tok_per_s_best"] = max(s["tok_per_s"] for s in speed)
print(json.dumps(speed), file=sys.stderr)

# ---------------- quality ----------------
answers, hit_total, n_total, per_q = [], 0, 0, []
for q, concepts in QUESTIONS[: 3 if QUICK else None]:
    t0 = time.perf_counter()
    txt, n = chat([{"role": "system", "content": SYSTEM}, {"role": "user", "content": q}], 200)
    dt = time.perf_counter() - t0
    low = txt.lower()
    hits = {k: bool(re.search(p, low)) for k, p in concepts.items()}
    hit_total += sum(hits.values()); n_total += len(hits)
    per_q.append(sum(hits.values()) / len(hits))
    answers.append({"question": q, "answer": txt, "tokens": n, "seconds": round(dt, 2), "concepts": hits})
res["coverage_pct"] = round(100 * hit_total / n_total, 1)
res["coverage_macro_pct"] = round(100 * statistics.mean(per_q), 1)
res["answer_tok_per_s"] = round(sum(a["tokens"] for a in answers) / sum(a["seconds"] for a in answers), 1)

# ---------------- JSON-schema constrained output ----------------
js = []
if RUNTIME != "transformers":
    t0 = time.perf_counter()
    try:
        txt, n = chat([{"role": "system", "content": "You answer only with JSON."},
                       {"role": "user", "content": "Describe a diagram of how a rainbow forms. Give the diagram as JSON: "
                        "'nodes' is a list of short labels, 'edges' is a list of [from, to] pairs of node labels."}], 300, DIAGRAM_SCHEMA)
        dt = time.perf_counter() - t0
        try:
            obj = json.loads(txt); parsed = True
        except Exception:
            obj, parsed = None, False
        ok_shape = parsed and isinstance(obj.get("nodes"), list) and isinstance(obj.get("edges"), list) and all(isinstance(e, list) and len(e) == 2 for e in obj["edges"])
        edges_ref_nodes = ok_shape and all(a in obj["nodes"] and b in obj["nodes"] for a, b in obj["edges"])
        js.append({"task": "rainbow diagram", "raw": txt, "tokens": n, "seconds": round(dt, 2), "parsed": parsed,
                   "schema_ok": ok_shape, "edges_reference_nodes": edges_ref_nodes})
    except Exception as e:
        js.append({"task": "rainbow diagram", "error": repr(e)[:300]})
    for prompt, expected in MODAL_TASKS:
        try:
            t0 = time.perf_counter()
            txt, n = chat([{"role": "system", "content": "You classify which kinds of output a request asks for. Answer only with JSON."},
                           {"role": "user", "content": "Request: " + prompt + "\nWhich output kinds does it ask for? Choose from text, image, audio, video, document, code, threeD."}], 60, MODAL_SCHEMA)
            dt = time.perf_counter() - t0
            obj = json.loads(txt)
            got = set(obj["outputs"])
            js.append({"task": "modalities: " + prompt, "raw": txt, "seconds": round(dt, 2), "parsed": True,
                       "expected": sorted(expected), "got": sorted(got), "recall": len(got & expected) / len(expected),
                       "extra": sorted(got - expected - {"text"})})
        except Exception as e:
            js.append({"task": "modalities: " + prompt, "error": repr(e)[:300]})
res["json"] = js
res["json_parsed"] = sum(1 for j in js if j.get("parsed")) if js else None
res["json_tasks"] = len(js)
mods = [j for j in js if "recall" in j]
res["modal_recall_pct"] = round(100 * statistics.mean(j["recall"] for j in mods), 1) if mods else None
res["modal_exact"] = sum(1 for j in mods if j["recall"] == 1 and not j["extra"]) if mods else None
res["peak_rss_mib"] = round(peak_mib(), 1)
res["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
res["answers"] = answers
out = "/tmp/llm-research/answers-%s.json" % LABEL
with open(out, "w") as f:
    json.dump(res, f, indent=1)
summary = {k: v for k, v in res.items() if k not in ("answers", "json")}
print(json.dumps(summary))
