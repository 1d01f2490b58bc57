// The submit form, enhanced: drag and drop (an archive or a folder) and an
// upload progress bar. Without this script the form is a plain multipart POST.
(function () {
  "use strict";
  const form = document.getElementById("submit-form");
  const zone = document.getElementById("dropzone");
  const archive = document.getElementById("id_archive");
  const progress = document.getElementById("upload-progress");
  const percent = document.getElementById("upload-percent");
  let dropped = null; // [{file, path}] from a dropped folder

  zone.querySelectorAll(".js-only").forEach((el) => { el.hidden = false; });

  async function walk(entry, prefix, out) {
    if (entry.isFile) {
      const file = await new Promise((ok, fail) => entry.file(ok, fail));
      out.push({ file, path: prefix + file.name });
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      let batch;
      do {
        batch = await new Promise((ok, fail) => reader.readEntries(ok, fail));
        for (const child of batch) await walk(child, prefix + entry.name + "/", out);
      } while (batch.length);
    }
  }

  zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", async (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    const item = event.dataTransfer.items && event.dataTransfer.items[0];
    const entry = item && item.webkitGetAsEntry && item.webkitGetAsEntry();
    if (entry && entry.isDirectory) {
      dropped = [];
      await walk(entry, "", dropped);
      zone.querySelector(".js-only").textContent = "Folder " + entry.name + ": " + dropped.length + " files";
    } else if (event.dataTransfer.files.length) {
      archive.files = event.dataTransfer.files;
      dropped = null;
    }
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    if (dropped) {
      data.delete("files");
      for (const { file, path } of dropped) data.append("files", file, path);
    }
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    progress.hidden = false;
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) {
        progress.value = Math.round((100 * e.loaded) / e.total);
        percent.textContent = progress.value + "%";
      }
    };
    xhr.onload = () => {
      if (xhr.status < 300 && xhr.responseURL && xhr.responseURL !== window.location.href) {
        window.location.assign(xhr.responseURL); // redirected to the job page
      } else {
        document.open(); document.write(xhr.responseText); document.close(); // errors beside the fields
      }
    };
    xhr.onerror = () => { percent.textContent = "upload failed; check your connection and retry"; };
    document.getElementById("submit-button").disabled = true;
    xhr.send(data);
  });
})();
