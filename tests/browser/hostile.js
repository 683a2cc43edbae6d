// A hostile client, run in the test page: it asks the sign view for an honest-looking upload,
// then sends the storage something else (a larger body, another content type, another key)
// and asks the complete view to accept it. Returns what each step answered.
async ({ tamper, declaredSize, sentSize, declaredType }) => {
  const root = document.querySelector("[data-storages-direct]");
  const csrf = document.querySelector("[name=csrfmiddlewaretoken]").value;
  const post = async (url, body) => {
    const answer = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    });
    return { status: answer.status, body: await answer.json().catch(() => ({})) };
  };
  const signed = await post(root.dataset.signUrl, {
    policy: root.dataset.policy,
    name: "photo.png",
    size: declaredSize,
    type: declaredType,
  });
  if (signed.status !== 200) return { stage: "sign", status: signed.status, error: signed.body.error };
  const { plan, ticket } = signed.body;
  const body = new Blob([new Uint8Array(sentSize)]);
  let stored = null;
  let target = null;
  if (plan.method === "form") {
    const form = new FormData();
    for (const [name, value] of Object.entries(plan.fields)) {
      form.append(name, tamper === "type" && name === "Content-Type" ? "text/html" : value);
    }
    form.append("file", body);
    stored = (await fetch(plan.url, { method: "POST", body: form })).status;
  } else if (plan.method === "pieces") {
    let url = plan.pieces[0].url;
    if (tamper === "key") {
      const parsed = new URL(url);
      target = parsed.pathname.replace(/[^/]+\/photo\.png$/, "elsewhere.png");
      parsed.pathname = target;
      url = parsed.toString();
    }
    stored = (await fetch(url, { method: "PUT", body })).status;
    if (tamper === "type") {
      // Commit the staged block ourselves, with a content type of our own.
      const id = new URL(url).searchParams.get("blockid");
      const list = `<?xml version="1.0" encoding="utf-8"?><BlockList><Latest>${id}</Latest></BlockList>`;
      const commit = url.split("&comp=")[0] + "&comp=blocklist";
      stored = (await fetch(commit, { method: "PUT", headers: { "x-ms-blob-content-type": "text/html" }, body: list })).status;
    }
  } else if (plan.method === "resumable") {
    const headers = { "Content-Range": `bytes 0-${sentSize - 1}/${sentSize}` };
    stored = (await fetch(plan.url, { method: "PUT", headers, body })).status;
  }
  const completed = await post(root.dataset.completeUrl, { ticket });
  return { stage: "complete", stored, target, status: completed.status, error: completed.body.error || null };
}
