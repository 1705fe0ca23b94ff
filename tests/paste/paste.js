// Substack's editor, as far as a test can have it: ProseMirror through Tiptap, with the
// nodes and marks Substack's posts use (StarterKit: paragraphs, headings, lists with their
// start number, quotes, code, hard breaks; Link; Image with src, alt and title).
// tests/test_paste.py bundles this file with esbuild and pastes the .substack.html into it.
import { Editor } from "@tiptap/core";
import StarterKit from "@tiptap/starter-kit";
import Link from "@tiptap/extension-link";
import Image from "@tiptap/extension-image";

window.digestPaste = function (html, text) {
  const element = document.getElementById("editor");
  const editor = new Editor({
    element,
    extensions: [
      StarterKit.configure({ link: false }),
      Link.configure({ openOnClick: false, autolink: false, linkOnPaste: false }),
      Image,
    ],
    content: "",
  });
  // A paste as the browser delivers it: a ClipboardEvent whose DataTransfer holds text/html.
  const data = new DataTransfer();
  data.setData("text/html", html);
  data.setData("text/plain", text);
  editor.view.focus();
  const event = new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true });
  editor.view.dom.dispatchEvent(event);
  return { handled: event.defaultPrevented, doc: editor.getJSON() };
};
