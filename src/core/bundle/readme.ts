// README.txt of a bundle: what it is and how to check it, in English and Japanese, for a reader
// who has only this folder and a computer (no app, no network).

export function readmeText(): string {
  return `EVIDENCE BUNDLE
===============

This folder holds copies of evidence files exported from a case of the Evidence Catalogue, with
their hashes, the chain of custody of those files, and a signature by the officer who exported
them. Nothing in it needs a network or this app to be read or checked.

  report.html     the report: case, exhibits, each file with its hashes and metadata, custody
  files/          the exported files (names made safe for every system; original names and
                  device paths are in manifest.json and report.html)
  manifest.json   every file: path, size, MD5, SHA-1, SHA-256, item id, device path, tags, notes
  SHA256SUMS      for sha256sum -c
  hashdeep.txt    for hashdeep (HASHDEEP-1.0: size, MD5, SHA-1, SHA-256)
  custody.jsonl   the custody events of the exported files and their exhibits, hash-chained
  receipts.jsonl  signed custody receipts kept outside the case (when there were any)
  checkpoint.json what the officer signed: SHA-256 of manifest.json and of every document above,
                  and the signed custody checkpoint the custody excerpt ends at
  checkpoint.sig  the Ed25519 signature of checkpoint.json (64 bytes)
  signer.pub      the officer's public key (PEM); its fingerprint is in manifest.json and on
                  the paper chain-of-custody form
  case.jsonld     CASE/UCO description;  dfxml.xml  DFXML file objects (when present)

HOW TO VERIFY (run the commands inside this folder)

1. The files are the ones listed (any change to one byte fails):
     sha256sum -c SHA256SUMS
     hashdeep -l -a -k hashdeep.txt -r files     (expects "hashdeep: Audit passed";
                                                  -l: the list holds relative paths)
   On Windows: certutil -hashfile files\\NAME SHA256, and compare with SHA256SUMS.

2. The officer signed this bundle (anyone can check, with OpenSSL 3):
     openssl pkeyutl -verify -pubin -inkey signer.pub -rawin -in checkpoint.json -sigfile checkpoint.sig
   (expects "Signature Verified Successfully"). Then compare:
     openssl pkey -pubin -in signer.pub -outform DER | sha256sum
   its first 16 hex digits are the key fingerprint: the same as on the paper form.
   checkpoint.json lists the SHA-256 of manifest.json and of each document:
     sha256sum manifest.json SHA256SUMS hashdeep.txt custody.jsonl README.txt

3. Everything at once, with the Evidence Catalogue (no case, no sign-in needed):
     evidence bundle verify <this folder or the .zip> [--json]
   It checks the signature, every file's three hashes, files added or removed, the custody
   excerpt's hash chain up to the signed checkpoint, the receipts and the format version, and
   says in plain words what is intact and what is not. Exit code 0: all intact; 1: something
   was changed, added, removed or does not verify; 2: not a bundle, or bad usage.

THE CUSTODY EXCERPT (custody.jsonl)
Each line is one custody event of the case, in order, from the first up to the export. An event
about the exported files, their exhibits, the case or its officers is given in full; an event about
other evidence is "withheld": only its number, its hash and the hash before it are given, so the
chain can be followed without disclosing other evidence. A full event's hash is SHA-256 of the
line without its "hash" field, as canonical JSON (keys sorted, no spaces: jq -cS 'del(.hash)').
Each line's prev_hash is the hash of the line before; the last line's hash is the head the signed
custody checkpoint (in checkpoint.json) vouches for. Withheld events can be checked in full only
against the case itself (evidence custody verify).


証拠バンドル
==========

このフォルダには、証拠カタログの事件から書き出された証拠ファイルの複製、そのハッシュ値、
それらのファイルの証拠保管記録（チェーン・オブ・カストディ）、および書き出した警察官の署名が
入っています。読むことも検証することも、ネットワークやこのアプリなしでできます。

  report.html     報告書：事件、押収物、各ファイルのハッシュ値とメタデータ、保管記録
  files/          書き出したファイル（どのOSでも扱える名前。元の名前と端末内のパスは
                  manifest.json と report.html にあります）
  manifest.json   全ファイルの一覧：パス、サイズ、MD5、SHA-1、SHA-256、項目番号、タグ、メモ
  SHA256SUMS      sha256sum -c 用
  hashdeep.txt    hashdeep 用（HASHDEEP-1.0 形式）
  custody.jsonl   書き出したファイルと押収物の保管記録（ハッシュチェーン）
  receipts.jsonl  事件の外に保存された署名付き受領記録（ある場合）
  checkpoint.json 警察官が署名した内容：manifest.json と各文書の SHA-256、保管記録の署名済み
                  チェックポイント
  checkpoint.sig  checkpoint.json の Ed25519 署名（64バイト）
  signer.pub      警察官の公開鍵（PEM）。指紋は manifest.json と紙の保管記録用紙に記載

検証方法（このフォルダの中で実行してください）

1. ファイルが一覧のとおりであること（1バイトでも変われば失敗します）：
     sha256sum -c SHA256SUMS
     hashdeep -l -a -k hashdeep.txt -r files        （"hashdeep: Audit passed" と表示されます）

2. 警察官がこのバンドルに署名したこと（OpenSSL 3 で誰でも確認できます）：
     openssl pkeyutl -verify -pubin -inkey signer.pub -rawin -in checkpoint.json -sigfile checkpoint.sig
   （"Signature Verified Successfully" と表示されます）。次に
     openssl pkey -pubin -in signer.pub -outform DER | sha256sum
   の先頭16桁が鍵の指紋です。紙の用紙に記載された指紋と同じであることを確かめてください。

3. 証拠カタログですべてを一度に検証（事件もサインインも不要）：
     evidence bundle verify <このフォルダまたは .zip> [--json]
   署名、全ファイルの3種のハッシュ値、追加・削除されたファイル、保管記録のハッシュチェーン、
   受領記録、形式の版を確認し、何が無傷で何がそうでないかを平易な言葉で示します。
   終了コード 0：すべて無傷、1：変更・追加・削除・検証失敗あり、2：バンドルではない等。

保管記録の抜粋（custody.jsonl）
各行は事件の保管記録の1件で、最初から書き出しまで順に並んでいます。書き出したファイル、
その押収物、事件、警察官に関する記録は全文が、その他の証拠に関する記録は番号とハッシュ値
のみ（「withheld」）が記載されます。これによりチェーンをたどれ、他の証拠は開示されません。
`;
}
