//! `README.TXT` of a disc, in Chinese and English: what the disc is, the
//! keys and how to verify it — the page, the verifier (the one on the disc
//! when it carries one), `sha256sum`, `bagit.py`, `minisign`.

use super::{CaseFile, SEAL_FILE};
use crate::keys::PublicKey;
use crate::seal::{minisign_public_key, KeyId, SealInfo};

fn disc_line_zh(index: u32, count: u32) -> String {
    if count > 1 {
        format!("本盘为全套 {count} 张光盘中的第 {index} 张；核验时请同时提供全部光盘。\n")
    } else {
        String::new()
    }
}

fn disc_line_en(index: u32, count: u32) -> String {
    if count > 1 {
        format!("This is disc {index} of a set of {count}; verify the whole set together.\n")
    } else {
        String::new()
    }
}

/// `README.TXT` of a disc built at the bureau: records of several signers
/// (terminal and staff), sealed by the agency key.
fn readme_bureau(
    case: &CaseFile,
    agency: &PublicKey,
    seal: &SealInfo,
    (index, count): (u32, u32),
    tool: Option<&str>,
) -> String {
    let trust = format!("--ca {agency}");
    let (page_zh, page_en) = (PAGE_ZH.trim_end(), PAGE_EN.trim_end());
    let (tool_zh, tool_en) = (verifier_zh(tool, &trust), verifier_en(tool, &trust));
    let mkey = minisign_public_key(agency);
    let key_id = KeyId::of(agency);
    let sealed = seal.sealed_at.to_rfc3339();
    let no = &case.case_no;
    let bundle = seal.bundle;
    let device = case.device;
    let (dzh, den) = (disc_line_zh(index, count), disc_line_en(index, count));
    let mut signers_zh = String::new();
    let mut signers_en = String::new();
    for s in &case.signers {
        let roles: Vec<&str> = s.roles.iter().map(|r| r.zh()).collect();
        let roles_en: Vec<&str> = s.roles.iter().map(|r| r.en()).collect();
        let (what_zh, what_en) = if s.roles.is_empty() {
            ("执法终端".to_owned(), "terminal".to_owned())
        } else {
            (roles.join("、"), roles_en.join(", "))
        };
        signers_zh.push_str(&format!(
            "  {} {}（{what_zh}，{}）\n",
            s.signer, s.name, s.officer
        ));
        signers_en.push_str(&format!(
            "  {} {} ({what_en}, {})\n",
            s.signer, s.name, s.officer
        ));
    }
    format!(
        "\
一案一盘 · 电子证据光盘（局端归档）
==================================

案号：{no}
封存时间：{sealed}
归档包编号：{bundle}
记录设备：{device}
封签机关公钥：{agency}
minisign 公钥：{mkey}（密钥编号 {key_id}）
签名人（证书由机关密钥签发，见 data/certs/）：
{signers_zh}{dzh}
本光盘是一个 BagIt 1.0 归档包（RFC 8493），由执法机关在后台归档封存。data/
目录下是原样保存的证据文件（data/evidence/）、执法终端和后台工作人员签名的全部
记录（data/records/<签名人>/）、每个签名人的记录链（data/chains/）、机关为每个
签名人签发的证书（data/certs/）、由签名记录生成的执法文书（data/documents/，
PDF/A，若有）和案件摘要（data/case.json）。

核验方法（离线即可，不需要服务器）：
请从本单位的密钥登记处取得机关公钥并核对，不要只相信光盘上的公钥。

{page_zh}
1. 本系统核验程序（检查校验值、封签、证书、每条记录的签名和记录链、证据）：
{tool_zh}2. 在光盘根目录逐一核对文件校验值：
     sha256sum -c manifest-sha256.txt
     sha256sum -c tagmanifest-sha256.txt
3. BagIt 工具：
     bagit.py --validate <光盘目录>
4. 核对封签（tagmanifest-sha256.txt 由机关密钥签名）：
     minisign -Vm tagmanifest-sha256.txt -P {mkey}

Evidence disc (one case, one disc), archived at the bureau
==========================================================

Case number: {no}
Sealed at: {sealed}
Bundle id: {bundle}
Recording device: {device}
Sealing agency key: {agency}
minisign public key: {mkey} (key id {key_id})
Signers (certified by the agency key, see data/certs/):
{signers_en}{den}
This disc is a BagIt 1.0 bag (RFC 8493), archived and sealed at the bureau.
Under data/ are the evidence files exactly as captured (data/evidence/), every
record the terminal and the back-office staff signed for the case
(data/records/<signer>/), each signer's record chain (data/chains/), the
agency's certificate of each signer (data/certs/), the documents rendered from
the signed records (data/documents/, PDF/A, if any) and a case summary
(data/case.json).

How to verify (offline; no server needed). Take the agency key from your
agency's key register and compare it: do not trust a key found on the disc.

{page_en}
1. Our verifier (fixity, seal, certificates, every record's signature and
   chain, evidence):
{tool_en}2. At the disc root, check every file's hash:
     sha256sum -c manifest-sha256.txt
     sha256sum -c tagmanifest-sha256.txt
3. BagIt tools:
     bagit.py --validate <disc folder>
4. Check the seal ({SEAL_FILE}, by the agency key):
     minisign -Vm tagmanifest-sha256.txt -P {mkey}
"
    )
}

/// Step 0 of README.TXT: the page, which needs nothing.
const PAGE_ZH: &str = "\
0. 最简单的方法：用任何浏览器打开光盘上的 index.html，选择光盘根目录，输入光盘
   标签上印的公钥指纹，点“开始核验”。无需安装任何软件，无需联网。
";
const PAGE_EN: &str = "\
0. The simplest: open index.html on the disc in any web browser, pick the disc's
   top folder, type the key fingerprint printed on the disc label and press
   \"Verify\". Nothing to install, no network.
";

/// How to run the verifier: the one on the disc when it carries one.
fn verifier_zh(tool: Option<&str>, trust: &str) -> String {
    let version = env!("CARGO_PKG_VERSION");
    match tool {
        Some(t) => format!(
            "   本光盘的 {t} 是静态链接的 x86-64 Linux 程序（不依赖系统中的任何库），
   其 SHA-256 列在 tagmanifest-sha256.txt 中。复制出来后即可运行：
     cp <光盘目录>/{t} /tmp/ && chmod +x /tmp/fieldcase-verify
     /tmp/fieldcase-verify <光盘目录或镜像文件> {trust}
   源代码：fieldcase {version} 的 verify/ 和 shared/ 目录（向封存机关索取）。
"
        ),
        None => format!(
            "     fieldcase-verify <光盘或镜像文件> {trust}
   （本光盘未附核验程序：向封存机关索取 fieldcase {version}，或用其源代码编译。）
"
        ),
    }
}

fn verifier_en(tool: Option<&str>, trust: &str) -> String {
    let version = env!("CARGO_PKG_VERSION");
    match tool {
        Some(t) => format!(
            "   {t} on this disc is a statically linked x86-64 Linux program (it
   needs no library of the system); its SHA-256 is in tagmanifest-sha256.txt.
   Copy it out and run it:
     cp <disc folder>/{t} /tmp/ && chmod +x /tmp/fieldcase-verify
     /tmp/fieldcase-verify <disc folder or image file> {trust}
   Source: the verify/ and shared/ folders of fieldcase {version} (ask the
   sealing agency).
"
        ),
        None => format!(
            "     fieldcase-verify <disc or image file> {trust}
   (This disc carries no verifier: ask the sealing agency for fieldcase
   {version}, or build it from its source.)
"
        ),
    }
}

/// `README.TXT`: what the disc is and how to verify it, in Chinese and English.
pub(super) fn readme(
    case: &CaseFile,
    seal: &SealInfo,
    (index, count): (u32, u32),
    tool: Option<&str>,
) -> String {
    if let Some(agency) = &case.agency_key {
        return readme_bureau(case, agency, seal, (index, count), tool);
    }
    let key = case.device_key;
    let trust = format!("--key {key}");
    let (page_zh, page_en) = (PAGE_ZH.trim_end(), PAGE_EN.trim_end());
    let (tool_zh, tool_en) = (verifier_zh(tool, &trust), verifier_en(tool, &trust));
    let mkey = minisign_public_key(&key);
    let key_id = KeyId::of(&key);
    let sealed = seal.sealed_at.to_rfc3339();
    let no = &case.case_no;
    let bundle = seal.bundle;
    let device = case.device;
    let (dzh, den) = (disc_line_zh(index, count), disc_line_en(index, count));
    format!(
        "\
一案一盘 · 电子证据光盘
========================

案号：{no}
封存时间：{sealed}
归档包编号：{bundle}
签名设备：{device}
设备公钥：{key}
minisign 公钥：{mkey}（密钥编号 {key_id}）
{dzh}
本光盘是一个 BagIt 1.0 归档包（RFC 8493）。data/ 目录下是原样保存的证据文件
（data/evidence/）、设备签名的全部记录（data/records/）、设备记录链
（data/chain.json）、由签名记录生成的执法文书（data/documents/，PDF/A，若有）
和案件摘要（data/case.json，含原始文件名和保管记录）。
index.html 可在任何浏览器中离线打开，列出案件摘要和证据清单。

核验方法（离线即可，不需要服务器）：
请从本单位的设备密钥登记处取得上面的公钥并核对，不要只相信光盘上的公钥。

{page_zh}
1. 本系统核验程序（检查全部内容：校验值、封签、记录签名、记录链、证据）：
{tool_zh}   结果第一行为 VALID（有效）、INVALID（无效，逐条列出问题）或 UNVERIFIABLE。
2. 在光盘根目录逐一核对文件校验值：
     sha256sum -c manifest-sha256.txt
     sha256sum -c tagmanifest-sha256.txt
3. BagIt 工具：
     bagit.py --validate <光盘目录>
4. 核对封签（tagmanifest-sha256.txt 由设备密钥签名）：
     minisign -Vm tagmanifest-sha256.txt -P {mkey}

Evidence disc (one case, one disc)
==================================

Case number: {no}
Sealed at: {sealed}
Bundle id: {bundle}
Signing device: {device}
Device public key: {key}
minisign public key: {mkey} (key id {key_id})
{den}
This disc is a BagIt 1.0 bag (RFC 8493). Under data/ are the evidence files
exactly as captured (data/evidence/), every record the device signed for the
case (data/records/), the device's record chain (data/chain.json), the
documents rendered from the signed records (data/documents/, PDF/A, if any)
and a case summary (data/case.json, with the original file names and custody
events).
index.html opens offline in any browser and lists the case and its evidence.

How to verify (offline; no server needed). Take the public key from your
agency's key register and compare it: do not trust a key found on the disc.

{page_en}
1. Our verifier (checks everything: fixity, seal, record signatures, chain,
   evidence):
{tool_en}   First line: VALID, INVALID (with one line per problem) or UNVERIFIABLE.
2. At the disc root, check every file's hash:
     sha256sum -c manifest-sha256.txt
     sha256sum -c tagmanifest-sha256.txt
3. BagIt tools:
     bagit.py --validate <disc folder>
4. Check the seal ({SEAL_FILE}, by the device key):
     minisign -Vm tagmanifest-sha256.txt -P {mkey}
"
    )
}
