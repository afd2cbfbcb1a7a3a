// The MedChain wallet: a Streamlit components-v2 module (rendered in the page, no iframe), so it
// sees the wallets the browser injects. Nothing is fetched: this file is all of it.
//
// data (from Python):
//   mode     "panel" (the sidebar's connect button) or "task" (one action of a page)
//   chain    {chainId: "0x7a69", chainIdDecimal: "31337", chainName, rpcUrls: [...]}
//   account  the account the session signed in as (or null)
//   request  null, or {id, kind, ...} to carry out once:
//              {kind: "sign_in", account, message}          personal_sign of an EIP-4361 message
//              {kind: "sign_typed", account, typedData}     eth_signTypedData_v4 (typedData: JSON text)
//              {kind: "send", account, transactions: [...]} eth_sendTransaction each, waiting for receipts
//              {kind: "recheck", block: "0x..", calls: [{to, data}]}   a read, through the wallet's own
//                node: eth_chainId, eth_getBlockByNumber(block) and eth_call of each at that block
//                (no account, no chain switch: the answer says which chain the wallet is on)
//   labels   the sentences it shows, in the reader's language
//
// Every answer goes back with setStateValue("result", {...}) (a new `seq` each time): events
// {kind: "connected" | "accounts_changed" | "chain_changed" | "error"} and request results
// {id, kind, ok, ...}. Numbers cross as decimal strings; errors carry {reason, code, message, data}
// with reason one of "rejected", "wrong_chain", "no_wallet", "reverted", "unreachable", "failed".

const G = (window.__medchainWallet = window.__medchainWallet || {
  providers: new Map(), // uuid -> {info, provider}
  chosen: null, // uuid of the wallet in use
  picked: null, // uuid the user picked in the panel's list, not connected yet (kept across renders)
  account: null,
  chainId: null, // "0x..." as the wallet reports it
  handled: new Set(), // request ids already carried out
  listening: new Set(), // providers whose events are followed
  panels: new Set(), // mounted panels: {report, render}
  seq: 0,
  discovered: false,
});

function discover() {
  if (G.discovered) return;
  G.discovered = true;
  window.addEventListener("eip6963:announceProvider", (event) => {
    const detail = event.detail || {};
    if (!detail.info || !detail.provider) return;
    G.providers.set(detail.info.uuid || detail.info.rdns || detail.info.name, detail);
    for (const panel of G.panels) panel.render();
  });
  window.dispatchEvent(new Event("eip6963:requestProvider"));
}

function wallets() {
  const found = [...G.providers.entries()].map(([uuid, detail]) => ({ uuid, name: detail.info.name, provider: detail.provider }));
  if (found.length === 0 && window.ethereum) {
    found.push({ uuid: "window.ethereum", name: "Browser wallet", provider: window.ethereum });
  }
  return found;
}

function chosenWallet() {
  const all = wallets();
  return all.find((w) => w.uuid === G.chosen) || (all.length === 1 ? all[0] : null);
}

function nextSeq() {
  G.seq += 1;
  return `${Date.now()}-${G.seq}`;
}

function broadcast(result) {
  for (const panel of G.panels) panel.report({ ...result, seq: nextSeq() });
}

function follow(wallet) {
  if (G.listening.has(wallet.uuid) || typeof wallet.provider.on !== "function") return;
  G.listening.add(wallet.uuid);
  wallet.provider.on("accountsChanged", (accounts) => {
    if (G.chosen !== wallet.uuid) return;
    G.account = accounts && accounts.length ? accounts[0] : null;
    broadcast({ kind: "accounts_changed", account: G.account });
  });
  wallet.provider.on("chainChanged", (chainId) => {
    if (G.chosen !== wallet.uuid) return;
    G.chainId = chainId;
    broadcast({ kind: "chain_changed", chainId: BigInt(chainId).toString() });
  });
}

function errorOf(error, fallbackReason) {
  const code = error && typeof error.code === "number" ? error.code : null;
  let data = error && error.data;
  if (data && typeof data === "object" && typeof data.data === "string") data = data.data;
  const message = (error && (error.message || String(error))) || "";
  let reason = fallbackReason || "failed";
  if (code === 4001 || code === 4100) reason = "rejected";
  else if (code === 4902) reason = "wrong_chain";
  else if (typeof data === "string" && data.startsWith("0x") && data.length > 2) reason = "reverted";
  else if (/revert/i.test(message)) reason = "reverted";
  else if (code === -32002 || /fetch|network|unreachable|Failed to fetch|ECONNREFUSED/i.test(message)) reason = "unreachable";
  return { reason, code, message, data: typeof data === "string" ? data : null };
}

async function connect(wallet) {
  G.chosen = wallet.uuid;
  follow(wallet);
  const accounts = await wallet.provider.request({ method: "eth_requestAccounts" });
  G.account = accounts && accounts.length ? accounts[0] : null;
  G.chainId = await wallet.provider.request({ method: "eth_chainId" });
  return { account: G.account, chainId: BigInt(G.chainId).toString(), wallet: wallet.name };
}

async function switchChain(wallet, chain) {
  try {
    await wallet.provider.request({ method: "wallet_switchEthereumChain", params: [{ chainId: chain.chainId }] });
  } catch (error) {
    if (error && error.code === 4902) {
      await wallet.provider.request({
        method: "wallet_addEthereumChain",
        params: [{ chainId: chain.chainId, chainName: chain.chainName, rpcUrls: chain.rpcUrls,
                   nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 } }],
      });
      await wallet.provider.request({ method: "wallet_switchEthereumChain", params: [{ chainId: chain.chainId }] });
    } else {
      throw error;
    }
  }
  G.chainId = await wallet.provider.request({ method: "eth_chainId" });
  return BigInt(G.chainId) === BigInt(chain.chainId);
}

// The wallet connected to the platform's chain with `account`; throws {reason} otherwise.
async function ready(chain, account) {
  const wallet = chosenWallet();
  if (!wallet) throw { reason: "no_wallet" };
  if (!G.account) await connect(wallet);
  if (account && (!G.account || G.account.toLowerCase() !== account.toLowerCase())) {
    throw { reason: "other_account", account: G.account };
  }
  const chainId = await wallet.provider.request({ method: "eth_chainId" });
  G.chainId = chainId;
  if (BigInt(chainId) !== BigInt(chain.chainId)) {
    let switched = false;
    try {
      switched = await switchChain(wallet, chain);
    } catch (error) {
      throw { ...errorOf(error), reason: error && error.code === 4001 ? "rejected" : "wrong_chain",
              chainId: BigInt(G.chainId).toString() };
    }
    if (!switched) throw { reason: "wrong_chain", chainId: BigInt(G.chainId).toString() };
  }
  return wallet;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function hexOfText(text) {
  return "0x" + [...new TextEncoder().encode(text)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// A verdict's calls run again through the wallet's own provider (nothing signed, nothing sent).
async function recheck(request) {
  const wallet = chosenWallet();
  if (!wallet) throw { reason: "no_wallet" };
  const provider = wallet.provider;
  const chainId = BigInt(await provider.request({ method: "eth_chainId" })).toString();
  const block = await provider.request({ method: "eth_getBlockByNumber", params: [request.block, false] });
  const results = [];
  for (const call of request.calls || []) {
    try {
      const result = await provider.request({ method: "eth_call", params: [{ to: call.to, data: call.data }, request.block] });
      results.push({ ok: true, result });
    } catch (error) {
      results.push({ ok: false, ...errorOf(error) });
    }
  }
  return { chainId, block: block ? { number: BigInt(block.number).toString(), hash: block.hash } : null, results };
}

async function carryOut(request, chain) {
  if (request.kind === "recheck") return recheck(request);
  const wallet = await ready(chain, request.account);
  const provider = wallet.provider;
  if (request.kind === "sign_in") {
    const params = [hexOfText(request.message), request.account];
    const signature = await provider.request({ method: "personal_sign", params });
    // What was signed, as handed to the wallet.
    const signed = new TextDecoder().decode(new Uint8Array(params[0].slice(2).match(/../g).map((h) => parseInt(h, 16))));
    return { message: signed, signature, account: request.account };
  }
  if (request.kind === "sign_typed") {
    const signature = await provider.request({ method: "eth_signTypedData_v4", params: [request.account, request.typedData] });
    return { signature };
  }
  if (request.kind === "send") {
    const hashes = [], blocks = [];
    for (let index = 0; index < request.transactions.length; index += 1) {
      let hash;
      try {
        hash = await provider.request({ method: "eth_sendTransaction", params: [request.transactions[index]] });
      } catch (error) {
        throw { ...errorOf(error), index, hashes };
      }
      hashes.push(hash);
      let receipt = null;
      for (let waited = 0; !receipt; waited += 250) {
        if (waited > 180000) throw { reason: "unreachable", message: "no receipt", index, hashes };
        receipt = await provider.request({ method: "eth_getTransactionReceipt", params: [hash] });
        if (!receipt) await sleep(250);
      }
      if (BigInt(receipt.status) !== 1n) throw { reason: "reverted", index, hashes, message: "mined but reverted" };
      blocks.push(BigInt(receipt.blockNumber).toString());
    }
    return { hashes, blocks };
  }
  throw { reason: "failed", message: `unknown request ${request.kind}` };
}

function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

export default function (component) {
  const { data, setStateValue, parentElement } = component;
  const labels = (data && data.labels) || {};
  const chain = (data && data.chain) || {};
  const mode = (data && data.mode) || "panel";
  const request = data && data.request;
  discover();

  let root = parentElement.querySelector(".medchain-wallet");
  if (!root) {
    root = element("div", { class: "medchain-wallet" });
    parentElement.appendChild(root);
  }
  let status = "";
  const report = (result) => setStateValue("result", result);

  function render() {
    root.replaceChildren();
    if (mode === "panel") {
      const all = wallets();
      const row = element("div", { class: "row" });
      let picker = null;
      if (all.length > 1) {
        picker = element("select", { "aria-label": labels.choose || "Wallet", "data-testid": "wallet-choice" });
        const shown = all.some((w) => w.uuid === G.picked) ? G.picked : G.chosen;
        for (const w of all) {
          const option = element("option", { value: w.uuid }, w.name);
          if (w.uuid === shown) option.selected = true;
          picker.appendChild(option);
        }
        // A render (a wallet announcing late, a rerun) rebuilds the list: the pick must survive it.
        picker.onchange = () => { G.picked = picker.value; };
        row.appendChild(picker);
      }
      if (!data.account) {
        const button = element("button", { type: "button", "data-testid": "wallet-connect" }, labels.connect || "Connect wallet");
        button.onclick = async () => {
          const candidates = wallets();
          const wallet = picker ? candidates.find((w) => w.uuid === picker.value) : candidates[0];
          if (!wallet) {
            status = labels.no_wallet || "No wallet found";
            render();
            report({ kind: "error", reason: "no_wallet", seq: nextSeq() });
            return;
          }
          try {
            const connected = await connect(wallet);
            status = "";
            render();
            report({ kind: "connected", ...connected, seq: nextSeq() });
          } catch (error) {
            report({ kind: "error", ...errorOf(error), seq: nextSeq() });
          }
        };
        row.appendChild(button);
      }
      root.appendChild(row);
      if (G.account && G.chainId && chain.chainId && BigInt(G.chainId) !== BigInt(chain.chainId)) {
        root.appendChild(element("p", { class: "warning", "data-testid": "wallet-wrong-chain" },
          (labels.wrong_chain || "Wrong network").replace("{chain}", BigInt(G.chainId).toString())));
        const button = element("button", { type: "button", "data-testid": "wallet-switch" }, labels.switch || "Switch network");
        button.onclick = async () => {
          const wallet = chosenWallet();
          try {
            await switchChain(wallet, chain);
            render();
            report({ kind: "chain_changed", chainId: BigInt(G.chainId).toString(), seq: nextSeq() });
          } catch (error) {
            report({ kind: "error", ...errorOf(error, "wrong_chain"), seq: nextSeq() });
          }
        };
        root.appendChild(button);
      }
    }
    if (status) root.appendChild(element("p", { class: "status", "data-testid": "wallet-status" }, status));
  }

  const panel = { report, render };
  if (mode === "panel") G.panels.add(panel);
  render();
  // Wallets that announce a moment later show up when they do.
  const late = setTimeout(render, 400);

  if (request && request.id && !G.handled.has(request.id)) {
    G.handled.add(request.id);
    status = labels.confirm || "Confirm in your wallet";
    render();
    carryOut(request, chain).then(
      (answer) => {
        status = labels.done || "";
        render();
        report({ id: request.id, kind: request.kind, ok: true, ...answer, seq: nextSeq() });
      },
      (error) => {
        const failure = error && error.reason ? error : errorOf(error);
        status = "";
        render();
        report({ id: request.id, kind: request.kind, ok: false, ...failure, seq: nextSeq() });
      },
    );
  }

  return () => {
    clearTimeout(late);
    G.panels.delete(panel);
  };
}
