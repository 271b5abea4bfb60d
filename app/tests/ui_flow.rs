//! The whole roadside check driven through the window with Slint's testing
//! backend at 360×720, the way officers use it: sign in with PINs, each
//! step with its validation errors, evidence import, signatures, review and
//! close, then the case list, a correction, settings and messages. Every
//! screen is checked to fit the width with touch targets ≥ 48 px.
//! One test per file: the backend is per process.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

mod common;
use common::ui::*;

use fieldcase_app::core::Terminal;
use fieldcase_app::ui;
use i_slint_backend_testing::ElementHandle;
use slint::{ComponentHandle, LogicalPosition};

/// Draws on the signature pad with pointer events, as a finger does.
fn sign_pad(w: &ui::MainWindow, dx: f32) {
    use slint::platform::{PointerEventButton, WindowEvent};
    let pad = ElementHandle::find_by_accessible_label(w, "签名板")
        .next()
        .or_else(|| {
            scroll(w, -300.0);
            ElementHandle::find_by_accessible_label(w, "签名板").next()
        })
        .expect("signature pad on screen");
    let (p, s) = (pad.absolute_position(), pad.size());
    let at = |fx: f32, fy: f32| LogicalPosition::new(p.x + s.width * fx, p.y + s.height * fy);
    let win = w.window();
    let button = PointerEventButton::Left;
    win.dispatch_event(WindowEvent::PointerPressed {
        position: at(0.2, 0.7),
        button,
    });
    for i in 1..=10 {
        let t = i as f32 / 10.0;
        win.dispatch_event(WindowEvent::PointerMoved {
            position: at(0.2 + 0.6 * t, 0.7 - 0.4 * t + dx / 1000.0),
        });
    }
    win.dispatch_event(WindowEvent::PointerReleased {
        position: at(0.8, 0.3),
        button,
    });
}

#[test]
fn officers_run_a_whole_check_and_close_it() {
    i_slint_backend_testing::init_integration_test_with_system_time();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("terminal");
    let term = Terminal::open(&dir).unwrap();
    term.store
        .add_officer("65010023", "王军", "246810")
        .unwrap();
    term.store
        .add_officer("65010031", "李娜", "135790")
        .unwrap();
    let media = tmp.path().join("camera/DCIM/100CAM");
    std::fs::create_dir_all(&media).unwrap();
    image::RgbImage::from_pixel(320, 240, image::Rgb([200, 30, 30]))
        .save(media.join("IMG_0001.JPG"))
        .unwrap();
    std::fs::write(media.join("REC_0001.MP4"), vec![7u8; 3 << 20]).unwrap();

    let w = ui::build(term, Some(dir.clone()), None).unwrap();
    w.window().set_size(slint::LogicalSize::new(360.0, 720.0));
    w.show().unwrap();
    assert_fits(&w, "sign-in");

    // Sign-in: same officer twice, then a wrong PIN, are refused with reasons.
    type_in(&w, "主办人员执法证号", "65010023");
    type_in(&w, "协办人员执法证号", "65010023");
    press(&w, "签到并开始");
    assert_eq!(
        value(&w, "签到错误"),
        "两名执法人员不能是同一人（执法证号相同）"
    );
    type_in(&w, "协办人员执法证号", "65010031");
    type_in(&w, "主办人员 PIN", "246810");
    type_in(&w, "协办人员 PIN", "000000");
    press(&w, "签到并开始");
    assert!(
        value(&w, "签到错误").contains("PIN 不正确，还可尝试 4 次"),
        "{}",
        value(&w, "签到错误")
    );
    type_in(&w, "协办人员 PIN", "135790");
    press(&w, "签到并开始");

    // Home.
    assert!(shows(&w, "新建检查"), "home after sign-in");
    assert_eq!(value(&w, "未同步数量"), "0");
    assert!(sees(&w, "没有未完成的检查"), "{}", status(&w));
    assert_fits(&w, "home");

    // Step 1: vehicle.
    press(&w, "新建检查");
    assert_eq!(value(&w, "进度"), "1/9");
    type_in(&w, "车牌号", "新A1234");
    press(&w, "下一步");
    assert!(
        sees(&w, "车牌号应为 7 或 8 位，当前为 6 位"),
        "{}",
        status(&w)
    );
    assert!(sees(&w, "请选择车辆类型"), "{}", status(&w));
    assert_eq!(value(&w, "进度"), "1/9", "bad input keeps the step");
    type_in(&w, "车牌号", "新A12345");
    press(&w, "普通货运车辆");
    type_in(&w, "道路运输证号 / 车辆营运证号", "650102012345");
    assert_fits(&w, "vehicle");
    press(&w, "下一步");

    // Step 2: party.
    assert_eq!(value(&w, "进度"), "2/9");
    type_in(&w, "身份证号（即驾驶证号）", "110105194912310021");
    press(&w, "下一步");
    assert!(
        sees(&w, "身份证号校验位应为“X”，输入的是“1”，请核对是否录错"),
        "{}",
        status(&w)
    );
    assert!(sees(&w, "请填写当事人姓名"), "{}", status(&w));
    type_in(&w, "身份证号（即驾驶证号）", "11010519491231002X");
    type_in(&w, "姓名", "张三");
    type_in(&w, "联系电话", "13912345678");
    assert_fits(&w, "party");
    press(&w, "下一步");

    // Step 3: time and place; leaving it opens (numbers and signs) the case.
    assert!(value(&w, "定位").contains("未获取卫星定位"));
    press(&w, "立号并继续");
    assert!(sees(&w, "请填写地点"), "{}", status(&w));
    type_in(&w, "检查地点", "G30 连霍高速 乌鲁木齐东收费站");
    assert_fits(&w, "place");
    press(&w, "立号并继续");
    assert!(status(&w).starts_with("已立号并签名："), "{}", status(&w));
    let case_no = status(&w).trim_start_matches("已立号并签名：").to_owned();
    assert!(case_no.ends_with("00001号"), "{case_no}");

    // Step 4: checklist.
    assert_eq!(value(&w, "进度"), "4/9");
    press(&w, "下一步");
    assert!(sees(&w, "还有 6 项未检查"), "{}", status(&w));
    scroll_top(&w);
    assert!(
        count(&w, "此项未检查") >= 1,
        "unanswered items marked beside the item"
    );
    press_all(&w, "合格", 6);
    // Fixed: the errors leave at once, before the next press.
    assert!(
        !sees(&w, "项未检查"),
        "the checklist error stays after the fix"
    );
    assert!(!sees(&w, "此项未检查"));
    assert!(status(&w).is_empty(), "banner left: {}", status(&w));
    assert_fits(&w, "checklist");
    press(&w, "下一步");

    // Step 5: outcome.
    press(&w, "下一步");
    assert!(sees(&w, "请选择检查结论"), "{}", status(&w));
    press(&w, "发现违法行为");
    press(&w, "下一步");

    // Step 6: violation and penalty.
    assert_eq!(value(&w, "进度"), "6/9", "status {}", status(&w));
    // An article that allows compulsory measures offers them; detaining
    // the vehicle makes the case general procedure (行政强制法 art. 18).
    type_in(&w, "搜索违法行为", "逃避超限");
    press(&w, "逃避超限检测（GLAQ-67）");
    press(&w, "轻微档 1–10000 元");
    type_in(&w, "罚款金额（元）", "100");
    assert_eq!(value(&w, "程序"), "可当场处罚（简易程序）");
    let detain = "扣留车辆（《公路安全保护条例》第六十七条；行政强制法第十八条、第二十四条）";
    assert!(
        sees(
            &w,
            "强制拖离（《公路安全保护条例》第六十七条；行政强制法第十八条、第二十四条）"
        ),
        "both measures the article allows are offered"
    );
    press(&w, detain);
    assert_ne!(
        value(&w, "程序"),
        "可当场处罚（简易程序）",
        "a measure: general procedure"
    );
    assert_fits(&w, "violation-measures");
    press(&w, detain);
    assert_eq!(value(&w, "程序"), "可当场处罚（简易程序）");
    type_in(&w, "搜索违法行为", "从业资格");
    press(&w, "无从业资格驾驶（DLYS-64）");
    press(&w, "轻微档 200–500 元");
    type_in(&w, "罚款金额（元）", "600");
    press(&w, "下一步");
    assert!(sees(&w, "“轻微”档次的罚款应在 200–500 元之间"));
    type_in(&w, "罚款金额（元）", "200");
    assert!(
        !sees(&w, "“轻微”档次的罚款应在"),
        "the tier range error stays after the fix"
    );
    assert_eq!(value(&w, "程序"), "可当场处罚（简易程序）");
    type_in(&w, "罚款金额（元）", "300");
    assert_eq!(value(&w, "程序"), "超过当场处罚限额：须按一般程序立案");
    assert_fits(&w, "violation");
    press(&w, "下一步");

    // Step 7: evidence from a mounted camera folder, imported on a worker.
    assert_eq!(value(&w, "进度"), "7/9");
    type_in(
        &w,
        "导入文件夹（执法记录仪、U 盘或相机）",
        &tmp.path().join("camera").to_string_lossy(),
    );
    press(&w, "查找文件");
    assert!(shows_prefix(&w, "找到 2 个照片/视频文件"));
    assert!(
        shows_containing(&w, "1 个文件的内容与扩展名不符（REC_0001.MP4）"),
        "a file named .MP4 whose bytes are no video is flagged"
    );
    press(&w, "全部导入");
    assert!(
        run_until(&w, 60, |w| status(w).starts_with("已导入 2 个文件")),
        "import finished: {}",
        status(&w)
    );
    assert!(sees(&w, "已导入证据 2"), "{}", status(&w));
    assert!(
        sees(&w, "现场检查 IMG_0001.JPG"),
        "photo listed with its category"
    );
    assert_fits(&w, "evidence");
    press(&w, "下一步");

    // Step 8: statement and signatures; the party refuses, with a witness.
    type_in(&w, "陈述申辩", "对检查结果无异议");
    press(&w, "下一步");
    assert!(
        sees(
            &w,
            "缺少当事人签名；缺少主办执法人员签名；缺少协办执法人员签名"
        ),
        "{}",
        status(&w)
    );
    for (role, dx) in [
        ("主办执法人员  点此签名", 80.0),
        ("协办执法人员  点此签名", -90.0),
    ] {
        press(&w, role);
        press(&w, "保存签名");
        assert!(
            status(&w).contains("签名为空"),
            "empty pad refused: {}",
            status(&w)
        );
        sign_pad(&w, dx);
        press(&w, "保存签名");
        assert_eq!(status(&w), "签名已保存为证据并签名");
        scroll_top(&w);
    }
    // The error named the missing signatures; those made left it at once.
    assert!(!sees(&w, "缺少主办执法人员签名") && !sees(&w, "缺少协办执法人员签名"));
    assert!(sees(&w, "缺少当事人签名"), "the party has not signed yet");
    press(&w, "当事人拒绝签字");
    type_in(&w, "见证人姓名", "赵六");
    press(&w, "下一步");
    assert!(
        sees(&w, "当事人拒绝签字时须填写见证人姓名和证件号"),
        "{}",
        status(&w)
    );
    type_in(&w, "见证人证件号", "650102199001011239");
    // 行政处罚法 art. 55: the credentials shown is confirmed.
    assert!(sees(&w, "须确认：已向当事人出示执法证件"), "{}", status(&w));
    scroll_top(&w);
    press(&w, "已向当事人出示执法证件");
    assert_fits(&w, "statement");
    press(&w, "下一步");

    // Step 9: review and close.
    assert_eq!(value(&w, "进度"), "9/9");
    assert_eq!(value(&w, "处罚"), "轻微档：罚款 300 元");
    assert_eq!(value(&w, "程序"), "一般程序");
    assert_eq!(value(&w, "证据"), "4", "2 files + 2 signature images");
    assert!(value(&w, "签名").contains("拒签（见证人 赵六）"));
    assert_fits(&w, "review");
    press(&w, "签名并结案");
    assert_eq!(status(&w), format!("已结案并签名：{case_no}"));
    assert!(shows(&w, "没有未完成的检查"), "draft gone after closing");
    assert_eq!(value(&w, "今日结案"), "1");

    // Case list, search, detail, correction.
    press(&w, "案件");
    assert!(shows(&w, &case_no));
    type_in(&w, "搜索案件", "新B");
    w.global::<ui::CasesAdapter>().invoke_search("新B".into());
    assert!(!shows(&w, &case_no), "search narrows the list");
    type_in(&w, "搜索案件", "张三");
    w.global::<ui::CasesAdapter>().invoke_search("张三".into());
    assert!(shows(&w, &case_no));
    assert_fits(&w, "cases");
    press(&w, &case_no);
    assert!(sees(&w, "从业资格"));
    // 300 yuan for a person is beyond the simple procedure (行政处罚法
    // art. 51): the case is handed over to the agency, not decided here.
    assert!(shows(&w, "已移交执法机关（可补充笔录）"));
    assert!(sees(&w, "适用普通程序：已移交执法机关办理"));
    press(&w, "签名提交更正");
    assert!(status(&w).contains("更正须填写"), "{}", status(&w));
    type_in(&w, "更正项目", "当事人姓名");
    type_in(&w, "更正为", "张叁");
    type_in(&w, "更正理由", "身份证上为“叁”");
    press(&w, "签名提交更正");
    assert!(status(&w).starts_with("更正已签名"), "{}", status(&w));
    assert!(sees(&w, "取代记录 #1 的“当事人姓名”"));
    assert_fits(&w, "case detail");
    press(&w, "返回");
    press(&w, "返回");

    // Settings and messages.
    press(&w, "设置");
    assert!(value(&w, "登记状态").starts_with("未登记"));
    assert!(value(&w, "案号号段").contains("已用 1"));
    // The portable printer: a bad address is refused, an absent printer said so.
    type_in(&w, "打印机地址", "lpt1");
    press(&w, "保存并检查打印机");
    assert!(
        shows_containing(&w, "打印机地址无效"),
        "{}",
        value(&w, "打印机状态")
    );
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    type_in(
        &w,
        "打印机地址",
        &format!("ipp://127.0.0.1:{port}/ipp/print"),
    );
    press(&w, "保存并检查打印机");
    assert!(
        shows_containing(&w, "打印机无响应"),
        "{}",
        value(&w, "打印机状态")
    );
    assert_fits(&w, "settings");
    press(&w, "返回");
    press(&w, "消息");
    assert!(sees(&w, "没有消息"), "{}", status(&w));
    assert_fits(&w, "messages");
    press(&w, "返回");
    press(&w, "签退");
    assert!(sees(&w, "签到并开始"), "{}", status(&w));

    // Everything the officers did is signed and chained.
    let term = Terminal::open(&dir).unwrap();
    assert!(term.verify_chain().unwrap().problems.is_empty());
    let case = term.store.find_case(&case_no).unwrap().unwrap();
    assert_eq!(case.status, fieldcase_app::cases::CaseStatus::Closed);
}
