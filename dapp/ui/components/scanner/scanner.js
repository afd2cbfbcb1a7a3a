// The MedChain live scanner: a Streamlit components-v2 module (in the page, no iframe). It opens
// the camera (the rear one on a phone), decodes the video's frames in the browser, and sends the
// server only the text of the first code it reads; then it waits for "Scan the next pack".
//
// Decoding: the browser's own BarcodeDetector when it reads both QR and DataMatrix (Chromium on
// Android), else zxing-cpp compiled to WebAssembly (npm zxing-wasm), loaded from the dApp's own
// server (data.decoder: {module, wasm} URLs), never from a CDN. GS1 element strings keep their
// FNC1 separators as GS (0x1D) and carry their AIM symbology identifier (]d2, ]Q3), as the
// server's photo decoder gives them.
//
// data (from Python):
//   decoder  {module, wasm}: where the WebAssembly decoder is served (null: not installed)
//   verdict  null, or {seq, title, genuine} — the verdict of the read `seq`, shown over the video
//   labels   the sentences it shows, in the reader's language
//
// Events back (setStateValue("event", {...}), each with a new `seq`):
//   {kind: "read", text, format: "QRCODE" | "DATAMATRIX", decoder: "native" | "zxing-wasm"}
//   {kind: "next"}                      the user wants the next pack: the last verdict is done
//   {kind: "camera_error", reason, message}   reason: "refused" | "absent" | "busy" | "insecure" |
//                                       "decoder" | "failed"
//   {kind: "camera_ready"}              the camera films and the decoder is loaded

const S = (window.__medchainScanner = window.__medchainScanner || { scanners: new Map(), seq: 0 });

const CONSTRAINTS = {
  audio: false,
  video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
};
const LONGEST_DECODED_SIDE = 1280; // larger frames are scaled down before decoding
const WASM_OPTIONS = {
  formats: ["QRCode", "DataMatrix"],
  tryHarder: true,
  tryRotate: true,
  tryInvert: false,
  tryDownscale: true,
  maxNumberOfSymbols: 1,
  textMode: "Plain",
};

function nextSeq() {
  S.seq += 1;
  return `${Date.now()}-${S.seq}`;
}

function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

// The text a scanner types for a code: a GS1 element string gets its symbology identifier.
function scannedText(text, symbologyIdentifier, gs1) {
  if (gs1 && symbologyIdentifier && !/^https?:\/\//i.test(text)) return symbologyIdentifier + text;
  return text;
}

async function nativeDetector() {
  if (!("BarcodeDetector" in window)) return null;
  try {
    const supported = await window.BarcodeDetector.getSupportedFormats();
    if (!supported.includes("qr_code") || !supported.includes("data_matrix")) return null;
    const detector = new window.BarcodeDetector({ formats: ["qr_code", "data_matrix"] });
    return {
      name: "native",
      async detect(video) {
        const found = await detector.detect(video);
        return found.filter((code) => code.rawValue).map((code) => ({
          text: code.format === "data_matrix" && /^\d{2}/.test(code.rawValue) && !code.rawValue.startsWith("]")
            ? "]d2" + code.rawValue : code.rawValue,
          format: code.format === "data_matrix" ? "DATAMATRIX" : "QRCODE",
        }));
      },
    };
  } catch {
    return null;
  }
}

async function wasmDetector(decoder) {
  if (!decoder || !decoder.module || !decoder.wasm) throw { reason: "decoder", message: "not installed" };
  const origin = window.location.origin;
  const zxing = await import(new URL(decoder.module, origin).href);
  const wasm = new URL(decoder.wasm, origin).href;
  await zxing.prepareZXingModule({
    overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? wasm : prefix + path) },
    fireImmediately: true,
  });
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  return {
    name: "zxing-wasm",
    async detect(video) {
      const scale = Math.min(1, LONGEST_DECODED_SIDE / Math.max(video.videoWidth, video.videoHeight));
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      const found = await zxing.readBarcodes(context.getImageData(0, 0, canvas.width, canvas.height), WASM_OPTIONS);
      return found.filter((code) => code.isValid && code.text).map((code) => ({
        text: scannedText(code.text, code.symbologyIdentifier, code.contentType === "GS1"),
        format: code.format === "DataMatrix" ? "DATAMATRIX" : "QRCODE",
      }));
    },
  };
}

function cameraFailure(error) {
  const name = (error && error.name) || "";
  const message = (error && (error.message || String(error))) || "";
  if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") {
    return { reason: "refused", message };
  }
  if (name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError") {
    return { reason: "absent", message };
  }
  if (name === "NotReadableError" || name === "TrackStartError" || name === "AbortError") return { reason: "busy", message };
  return { reason: (error && error.reason) || "failed", message };
}

function newScanner() {
  const root = element("div", { class: "medchain-scanner" });
  const frame = element("div", { class: "frame" });
  const video = element("video", { playsinline: "", muted: "", autoplay: "", "data-testid": "scanner-video" });
  video.muted = true;
  video.playsInline = true;
  const guide = element("div", { class: "guide" });
  const banner = element("div", { class: "banner", "data-testid": "scanner-banner" });
  frame.append(video, guide, banner);
  const status = element("p", { class: "status", "data-testid": "scanner-status", role: "status" });
  const row = element("div", { class: "row" });
  const buttons = {};
  for (const [name, primary] of [["next", true], ["torch", false], ["stop", false], ["start", true]]) {
    buttons[name] = element("button", { type: "button", "data-testid": `scanner-${name}`, class: primary ? "primary" : "" });
    buttons[name].hidden = true;
    row.appendChild(buttons[name]);
  }
  root.append(frame, status, row);
  const state = {
    root, frame, video, banner, status, buttons,
    phase: "idle", // idle | starting | scanning | read | stopped | failed
    stream: null, detector: null, torch: null, torchOn: false, busy: false,
    failure: null, read: null, leaving: null, verdict: null, stopTimer: null, report: null, labels: {}, decoder: null,
  };
  buttons.next.onclick = () => resume(state);
  buttons.torch.onclick = () => toggleTorch(state);
  buttons.stop.onclick = () => stop(state, "stopped");
  buttons.start.onclick = () => start(state);
  return state;
}

function label(state, name, fallback) {
  return state.labels[name] || fallback;
}

// The verdict the server gave for the code just read (null while it is being checked).
function verdictOf(state) {
  return state.read && state.verdict && state.verdict.seq === state.read.seq ? state.verdict : null;
}

function render(state) {
  const { phase, status, buttons, banner, frame } = state;
  frame.hidden = !(phase === "starting" || phase === "scanning" || phase === "read");
  frame.classList.toggle("scanning", phase === "scanning");
  status.className = phase === "failed" ? "status warning" : "status";
  if (phase === "starting") status.textContent = label(state, "starting", "Starting the camera…");
  else if (phase === "scanning") status.textContent = label(state, "aim", "Point the camera at the code.");
  else if (phase === "read") {
    status.textContent = verdictOf(state) ? label(state, "details", "The details are below.")
      : label(state, "read", "Code read: checking it…");
  }
  else if (phase === "stopped") status.textContent = label(state, "stopped", "The camera is off.");
  else if (phase === "failed") {
    const reason = (state.failure && state.failure.reason) || "failed";
    status.textContent = label(state, `error_${reason}`, label(state, "error_failed", "The camera could not start."));
  } else status.textContent = "";

  const verdict = verdictOf(state);
  banner.hidden = !(phase === "read" && verdict);
  if (verdict) {
    banner.textContent = verdict.title;
    banner.className = verdict.genuine ? "banner genuine" : "banner suspect";
    if (state.shownFor !== state.read.seq) { // when each read's verdict reached the screen (the bench reads it)
      state.shownFor = state.read.seq;
      S.verdictsShown = [...(S.verdictsShown || []).slice(-99), performance.now()];
    }
  }

  // The buttons stay the same nodes from render to render: a tap during a rerun's render
  // must not land on a button just replaced.
  const show = (name, visible, text) => {
    buttons[name].hidden = !visible;
    if (visible) buttons[name].textContent = text;
  };
  show("next", phase === "read", label(state, "next", "Scan the next pack"));
  show("torch", (phase === "scanning" || phase === "read") && !!state.torch,
    state.torchOn ? label(state, "torch_off", "Light off") : label(state, "torch_on", "Light on"));
  show("stop", phase === "scanning" || phase === "read" || phase === "starting", label(state, "stop", "Stop the camera"));
  show("start", phase === "stopped" || phase === "failed",
    label(state, phase === "failed" ? "retry" : "start", "Start the camera"));
}

async function start(state) {
  if (state.phase === "starting" || state.phase === "scanning" || state.phase === "read") return;
  state.phase = "starting";
  state.failure = null;
  render(state);
  try {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw { reason: window.isSecureContext ? "absent" : "insecure", message: "no mediaDevices" };
    }
    const [stream, detector] = await Promise.all([
      navigator.mediaDevices.getUserMedia(CONSTRAINTS),
      nativeDetector().then((native) => native || wasmDetector(state.decoder)).catch((error) => {
        throw { reason: "decoder", message: (error && error.message) || String(error) };
      }),
    ]);
    if (state.phase !== "starting") { // stopped while the camera was starting
      stream.getTracks().forEach((track) => track.stop());
      return;
    }
    state.stream = stream;
    state.detector = detector;
    state.video.srcObject = stream;
    await state.video.play().catch(() => {});
    const [track] = stream.getVideoTracks();
    const capabilities = track && track.getCapabilities ? track.getCapabilities() : {};
    state.torch = capabilities && capabilities.torch ? track : null;
    state.torchOn = false;
    state.phase = "scanning";
    render(state);
    state.report({ kind: "camera_ready", decoder: detector.name });
    scanSoon(state);
  } catch (error) {
    const failure = error && error.reason ? error : cameraFailure(error);
    stop(state, "failed");
    state.failure = failure;
    render(state);
    state.report({ kind: "camera_error", reason: failure.reason, message: failure.message || "" });
  }
}

function stop(state, phase) {
  if (state.stream) state.stream.getTracks().forEach((track) => track.stop());
  state.stream = null;
  state.video.srcObject = null;
  state.torch = null;
  state.phase = phase;
  render(state);
}

function scanSoon(state) {
  const { video } = state;
  if (typeof video.requestVideoFrameCallback === "function") video.requestVideoFrameCallback(() => scan(state));
  else setTimeout(() => scan(state), 60);
}

// One frame decoded at a time; the next frame is taken when this one is done.
async function scan(state) {
  if (state.phase !== "scanning") return;
  const { video } = state;
  if (!state.busy && video.readyState >= 2 && video.videoWidth > 0) {
    state.busy = true;
    try {
      const started = performance.now();
      let [code] = await state.detector.detect(video);
      S.lastFrame = { at: started, decodeMs: performance.now() - started }; // for diagnosis (and the bench)
      // The pack just verified, still in view after "Scan the next pack": skipped until it has
      // left the picture, so the next pack is the one read.
      if (state.leaving && !(code && code.text === state.leaving)) state.leaving = null;
      if (code && code.text === state.leaving) code = null;
      if (code && state.phase === "scanning") {
        state.read = { ...code, seq: nextSeq() };
        S.lastRead = { at: performance.now(), decodeMs: S.lastFrame.decodeMs };
        state.phase = "read";
        render(state);
        if (navigator.vibrate) navigator.vibrate(60);
        state.report({ kind: "read", text: code.text, format: code.format, decoder: state.detector.name, seq: state.read.seq });
        return;
      }
    } catch (error) {
      // A frame the decoder cannot take (the stream resizing): the next one is tried.
    } finally {
      state.busy = false;
    }
  }
  scanSoon(state);
}

function resume(state) {
  if (state.phase !== "read") return;
  state.phase = "scanning";
  state.leaving = state.read && state.read.text;
  state.read = null;
  render(state);
  state.report({ kind: "next" });
  scanSoon(state);
}

async function toggleTorch(state) {
  if (!state.torch) return;
  try {
    await state.torch.applyConstraints({ advanced: [{ torch: !state.torchOn }] });
    state.torchOn = !state.torchOn;
  } catch {
    state.torch = null; // the device said it had one, then refused: the button goes
  }
  render(state);
}

export default function (component) {
  const { data, setStateValue, parentElement, key } = component;
  let state = S.scanners.get(key);
  if (!state) {
    state = newScanner();
    S.scanners.set(key, state);
  }
  clearTimeout(state.stopTimer);
  state.labels = (data && data.labels) || {};
  state.decoder = data && data.decoder;
  state.verdict = data && data.verdict;
  state.report = (event) => setStateValue("event", { seq: nextSeq(), ...event });
  // Into the placeholder the component's HTML gives (its stylesheet sits beside it, in the same
  // parent: replacing the parent's children would drop the styles).
  const host = parentElement.querySelector(".medchain-scanner-host") || parentElement;
  if (state.root.parentElement !== host) {
    host.replaceChildren(state.root);
    if (state.stream) state.video.play().catch(() => {});
  }
  if (state.phase === "idle") start(state);
  else render(state);
  // Unmounted (another mode, another page): the camera goes off, unless the scanner is mounted
  // again at once (a rerun of the same page).
  return () => {
    state.stopTimer = setTimeout(() => {
      stop(state, "idle");
      S.scanners.delete(key);
    }, 1500);
  };
}
