// Direct-to-storage uploads for django-storages' DirectUploadWidget.
//
// One ES module, no dependency, no bundler. Every widget (an element with
// data-storages-direct) is handled through event delegation, so widgets added to the page later
// (admin inlines) work as well. The chosen file is only ever sliced (File.slice) and handed to
// XMLHttpRequest, which streams the slice from disk: memory stays bounded whatever the size.
//
// The server's sign view answers a plan (see storages/direct/signing.py): one form POST, pieces
// PUT a few at a time, or a resumable session PUT in order. When a request fails, the module
// waits, asks the server what the storage already holds (a resume: fresh signatures, stored
// pieces left out) and goes on; after a last failure it offers a Resume button, and the ticket
// stays in localStorage, so choosing the same file again, even after a reload, resumes too.

const ROOT = "[data-storages-direct]";
const RETRY_DELAYS = [300, 1000, 2500];
const CONCURRENCY = 3;
const STORE = "storages-direct:";
const BUSY = new Set(["uploading", "retrying"]);
const uploads = new WeakMap();
const submitters = new WeakMap();

/** The server or the storage said no: retrying would not help. */
class Refusal extends Error {}

/** The connection dropped or the storage failed for now: resume later. */
class Interrupted extends Error {}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function formatSize(bytes) {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit ? `${value.toFixed(1)} ${units[unit]}` : `${bytes} bytes`;
}

function csrfToken(root) {
  const form = root.closest("form");
  const input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
  if (input) return input.value;
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

function accepts(pattern, type) {
  const wanted = pattern.trim().toLowerCase();
  if (!wanted || wanted.startsWith(".")) return true; // extensions: the server decides
  if (wanted.endsWith("/*")) return type.startsWith(wanted.slice(0, -1));
  return type === wanted;
}

function statusError(xhr, where) {
  const message = `${where} answered ${xhr.status || "nothing"}.`;
  // 403: usually a signature that expired meanwhile; a resume signs again.
  if (xhr.status === 0 || xhr.status === 403 || xhr.status === 408 || xhr.status >= 500) {
    return new Interrupted(message);
  }
  return new Refusal(`The upload was refused: ${message}`);
}

async function postJSON(root, url, body) {
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(root) },
      body: JSON.stringify(body),
    });
  } catch {
    throw new Interrupted("The site could not be reached.");
  }
  let data = {};
  try {
    data = await response.json();
  } catch {
    // not JSON: the status says enough
  }
  if (!response.ok) {
    const message = data.error || `The site answered ${response.status}.`;
    const error = response.status >= 500 ? new Interrupted(message) : new Refusal(message);
    error.status = response.status;
    throw error;
  }
  return data;
}

class Upload {
  constructor(root, file) {
    this.root = root;
    this.file = file;
    this.value = root.querySelector("[data-storages-direct-value]");
    this.progress = root.querySelector("progress");
    this.status = root.querySelector("output");
    this.resumeButton = root.querySelector("[data-storages-direct-resume]");
    const id = [location.pathname, this.value.name, file.name, file.size, file.lastModified];
    this.key = STORE + id.join(":");
    this.requests = new Set();
    this.cancelled = false;
    this.ticket = null;
    this.done = 0;
  }

  setState(state, message) {
    this.root.dataset.state = state;
    this.status.textContent = message;
  }

  showProgress(loaded) {
    const size = this.file.size || 1;
    const value = Math.min(this.done + loaded, size);
    this.progress.value = (100 * value) / size;
    if (BUSY.has(this.root.dataset.state)) {
      this.status.textContent = `Uploading ${this.file.name}: ${formatSize(value)} of ${formatSize(this.file.size)}`;
    }
  }

  remember() {
    try {
      localStorage.setItem(this.key, this.ticket);
    } catch {
      // storage full or disabled: the upload still works, it just cannot resume after a reload
    }
  }

  forget() {
    try {
      localStorage.removeItem(this.key);
    } catch {
      // see remember()
    }
  }

  saved() {
    try {
      return localStorage.getItem(this.key);
    } catch {
      return null;
    }
  }

  cancel() {
    this.cancelled = true;
    for (const xhr of this.requests) xhr.abort();
  }

  send(method, url, body, headers) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      this.requests.add(xhr);
      xhr.open(method, url);
      for (const [name, value] of Object.entries(headers || {})) xhr.setRequestHeader(name, value);
      xhr.upload.onprogress = (event) => this.onProgress(xhr, event.loaded);
      xhr.onload = () => {
        this.requests.delete(xhr);
        resolve(xhr);
      };
      xhr.onerror = xhr.onabort = xhr.ontimeout = () => {
        this.requests.delete(xhr);
        reject(new Interrupted("The connection to the storage was lost."));
      };
      xhr.send(body);
    });
  }

  onProgress(xhr, loaded) {
    xhr.loadedBytes = loaded;
    let inflight = 0;
    for (const request of this.requests) inflight += request.loadedBytes || 0;
    this.showProgress(inflight);
  }

  sign(extra) {
    const body = { policy: this.root.dataset.policy, ...extra };
    return postJSON(this.root, this.root.dataset.signUrl, body);
  }

  check() {
    const { maxSize, minSize } = this.root.dataset;
    if (this.file.size > Number(maxSize)) {
      throw new Refusal(`The file is larger than ${formatSize(Number(maxSize))}.`);
    }
    if (this.file.size < Number(minSize)) {
      throw new Refusal(this.file.size ? "The file is too small." : "The file is empty.");
    }
    const input = this.root.querySelector("input[type=file]");
    const patterns = (input.accept || "").split(",").filter((pattern) => pattern.trim());
    const type = (this.file.type || "").toLowerCase();
    if (patterns.length && type && !patterns.some((pattern) => accepts(pattern, type))) {
      throw new Refusal(`Files of type ${type} are not accepted.`);
    }
  }

  async run() {
    this.resumeButton.hidden = true;
    this.progress.hidden = false;
    this.value.value = "";
    this.setState("uploading", `Uploading ${this.file.name}…`);
    try {
      this.check();
      let answer = null;
      const saved = this.ticket || this.saved();
      if (saved) {
        try {
          answer = await this.sign({ ticket: saved });
        } catch (error) {
          if (!(error instanceof Refusal)) throw error;
          this.forget(); // expired or someone else's: start over
        }
      }
      answer = answer || (await this.sign({ name: this.file.name, size: this.file.size, type: this.file.type }));
      this.ticket = answer.ticket;
      this.remember();
      await this.follow(answer.plan);
      const result = await postJSON(this.root, this.root.dataset.completeUrl, { ticket: this.ticket });
      this.forget();
      this.value.value = result.value;
      this.done = this.file.size;
      this.showProgress(0);
      this.setState("done", `Uploaded ${result.name} (${formatSize(result.size)}).`);
      this.root.dispatchEvent(new CustomEvent("storages-direct:done", { bubbles: true, detail: result }));
    } catch (error) {
      if (this.cancelled) return;
      if (error instanceof Refusal) {
        this.forget();
        this.ticket = null;
        this.progress.hidden = true;
        this.setState("error", error.message);
      } else {
        const percent = Math.floor(this.progress.value);
        this.setState("interrupted", `${error.message} Stopped at ${percent}%: press Resume, or choose the file again.`);
        this.resumeButton.hidden = false;
      }
      this.root.dispatchEvent(new CustomEvent("storages-direct:failed", { bubbles: true, detail: { error: error.message } }));
    }
  }

  async follow(plan) {
    for (let attempt = 0; ; attempt += 1) {
      this.done = plan.done || 0;
      try {
        if (plan.method === "form") return await this.form(plan);
        if (plan.method === "pieces") return await this.pieces(plan);
        if (plan.method === "resumable") return await this.resumable(plan);
        throw new Refusal(`Unknown upload method ${plan.method}.`);
      } catch (error) {
        if (this.cancelled || error instanceof Refusal || attempt >= RETRY_DELAYS.length) throw error;
        this.setState("retrying", `${error.message} Retrying…`);
        await sleep(RETRY_DELAYS[attempt]);
        this.root.dataset.state = "uploading";
        plan = (await this.sign({ ticket: this.ticket })).plan; // what is left, signed afresh
      }
    }
  }

  async form(plan) {
    const body = new FormData();
    for (const [name, value] of Object.entries(plan.fields)) body.append(name, value);
    body.append("file", this.file); // last: the storage ignores fields after the file
    const xhr = await this.send("POST", plan.url, body, {});
    if (xhr.status < 200 || xhr.status >= 300) throw statusError(xhr, "The storage");
    this.done = this.file.size;
  }

  async pieces(plan) {
    const queue = plan.pieces.slice();
    const headers = { ...(plan.headers || {}) };
    if (plan.ticket) {
      headers["X-Upload-Ticket"] = this.ticket;
      headers["X-CSRFToken"] = csrfToken(this.root);
    }
    let failure = null;
    const worker = async () => {
      while (queue.length && !failure) {
        const piece = queue.shift();
        try {
          const xhr = await this.send("PUT", piece.url, this.file.slice(piece.start, piece.end), headers);
          if (xhr.status < 200 || xhr.status >= 300) throw statusError(xhr, plan.ticket ? "The site" : "The storage");
          this.done += piece.end - piece.start;
        } catch (error) {
          failure = failure || error;
        }
      }
    };
    // Pieces in flight finish before a resume, so the server's list of stored pieces is final.
    await Promise.allSettled(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
    if (failure) throw failure;
  }

  async resumable(plan) {
    const size = this.file.size;
    let offset = plan.offset;
    if (size && offset >= size) return; // the session holds everything already
    do {
      const end = Math.min(offset + plan.chunk, size);
      const range = size ? `bytes ${offset}-${end - 1}/${size}` : "bytes */0";
      const xhr = await this.send("PUT", plan.url, this.file.slice(offset, end), { "Content-Range": range });
      if (xhr.status === 308) {
        offset = end;
        this.done = end;
      } else if (xhr.status === 200 || xhr.status === 201) {
        this.done = size;
        return;
      } else {
        throw statusError(xhr, "The storage");
      }
    } while (offset < size);
  }
}

function start(root, file) {
  const previous = uploads.get(root);
  if (previous) previous.cancel();
  const upload = new Upload(root, file);
  uploads.set(root, upload);
  return upload.run();
}

function widgetOf(target) {
  return target instanceof Element ? target.closest(ROOT) : null;
}

document.addEventListener("change", (event) => {
  const input = event.target;
  const root = widgetOf(input);
  if (!root || !(input instanceof HTMLInputElement) || input.type !== "file") return;
  if (input.files && input.files.length) start(root, input.files[0]);
});

document.addEventListener("click", (event) => {
  const button = event.target instanceof Element && event.target.closest("[data-storages-direct-resume]");
  const root = button && widgetOf(button);
  const upload = root && uploads.get(root);
  if (upload) {
    event.preventDefault();
    upload.run();
  }
});

// A form submitted while an upload runs is sent once every upload in it is done.
document.addEventListener(
  "submit",
  (event) => {
    const form = event.target;
    const busy = [...form.querySelectorAll(ROOT)].filter((root) => BUSY.has(root.dataset.state));
    if (!busy.length) return;
    event.preventDefault();
    submitters.set(form, event.submitter || null);
    for (const root of busy) {
      root.querySelector("output").textContent += " The form will be sent when the upload is done.";
    }
  },
  true,
);

document.addEventListener("storages-direct:done", (event) => {
  const form = event.target.closest("form");
  if (!form || !submitters.has(form)) return;
  if ([...form.querySelectorAll(ROOT)].some((root) => BUSY.has(root.dataset.state))) return;
  const submitter = submitters.get(form);
  submitters.delete(form);
  form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
});

document.addEventListener("storages-direct:failed", (event) => {
  const form = event.target.closest("form");
  if (form) submitters.delete(form);
});
