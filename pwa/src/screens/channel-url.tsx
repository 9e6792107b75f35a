// The URL box of the forms that add a channel (Apprise or webhook): long, never autofilled or spell-checked,
// and controlled, so an example can be put in it.

export function ChannelUrlInput({ url, setUrl, type }: { url: string; setUrl: (url: string) => void; type?: "url" }) {
  const box = {
    name: "url",
    required: true,
    maxLength: 2000,
    autoComplete: "off",
    spellcheck: false,
    value: url,
    onInput: (e: Event) => setUrl((e.currentTarget as HTMLInputElement).value),
  };
  // Two elements because the input's typings tell its kinds apart by a literal `type`.
  return type === "url" ? <input type="url" {...box} /> : <input {...box} />;
}
