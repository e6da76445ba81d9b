# Machine-assisted translation, not yet reviewed by a native speaker.
# Per-role lists: the referral inbox, notifications, the case list.

## Moments relative to today
when-today = hôm nay
when-today-at = hôm nay, {$time}
when-yesterday = hôm qua
when-days-ago = {$days ->
    [one] {$days} ngày trước
   *[other] {$days} ngày trước
}

## Age bands (what a receiving organisation may know before accepting)
age-band-0_11 = từ 0 đến 11 tuổi (trẻ em)
age-band-12_17 = từ 12 đến 17 tuổi (trẻ em)
age-band-18_24 = từ 18 đến 24 tuổi
age-band-25_34 = từ 25 đến 34 tuổi
age-band-35_44 = từ 35 đến 44 tuổi
age-band-45_plus = từ 45 tuổi trở lên
age-band-unknown = không rõ tuổi

## The referral inbox
referrals-unknown-org = một tổ chức không còn được đăng ký
referrals-sent-by = Bên gửi
referrals-sent-to = Gửi đến
referrals-person = Người được hỗ trợ
referrals-person-not-shared = Không chia sẻ (chuyển gửi này không kèm dữ liệu nhân thân)
referrals-sent = Ngày gửi
referrals-reason-given = Lý do đã nêu
referrals-decline-reason = Lý do bạn từ chối (bên gửi sẽ đọc)
referrals-open-case = Mở ca
referrals-none-inbox = Không có chuyển gửi nào đang chờ tổ chức của bạn. Chuyển gửi mới sẽ xuất hiện ở đây và bạn sẽ nhận được thông báo.
referrals-none-outbox = Tổ chức của bạn chưa gửi chuyển gửi nào. Hãy gửi từ trang "Sự đồng ý và chuyển gửi" của một ca.
referrals-error-title = Chuyển gửi chưa bị từ chối
referrals-error-reason = Hãy nêu lý do bạn từ chối: tổ chức gửi cần lý do này để tìm dịch vụ khác.
referrals-done-accept = Chuyển gửi đã được nhận: giờ bạn có thể mở ca với những gì đã được chia sẻ, và bên gửi đã được thông báo.
referrals-done-decline = Chuyển gửi đã bị từ chối và bên gửi đã được cho biết lý do.
referrals-done-complete = Chuyển gửi đã được đánh dấu là hoàn thành.
referrals-done-revoke = Chuyển gửi đã được thu hồi.
audit-action-referral-preview = đã xem giới tính và nhóm tuổi của người trong một chuyển gửi để cân nhắc chuyển gửi đó

## Notifications: what happened, in words
notifications-new-title = Mới
notifications-read-title = Đã đọc
notifications-none-unread = Không có gì mới. Bạn sẽ được báo tại đây khi có chuyển gửi đến hoặc được trả lời, khi bạn được giao một công việc hoặc một ca, khi một phê duyệt hoặc quyết định được ghi lại, hoặc khi sắp đến hạn.
notifications-mark-all-read = Đánh dấu tất cả là đã đọc
notifications-mark-one = Đánh dấu là đã đọc
notifications-marked-one = Thông báo đã được đánh dấu là đã đọc; thông báo được lưu trong mục "Đã đọc".
notice-other = Có thay đổi trong SafePath liên quan đến bạn.
notice-referral = { $source ->
    [screening] Một lần sàng lọc đã chuyển gửi một người đến tổ chức của bạn: ca { $reference } đang chờ cán bộ quản lý ca.
   *[other] Chuyển gửi mới cho { $service } từ { $org } ({ $urgency }): hãy xem xét trong hộp chuyển gửi của bạn.
}
notice-referral-plain = Một chuyển gửi mới đang chờ trong hộp chuyển gửi của tổ chức bạn.
notice-referral-answered = { $side ->
    [sender] Chuyển gửi ca { $reference } của bạn đến { $org } cho { $service } hiện ở trạng thái: { $state }.
   *[receiver] Chuyển gửi từ { $org } cho { $service } hiện ở trạng thái: { $state }.
}
notice-referral-answered-plain = Một chuyển gửi đã được trả lời.
notice-consent-withdrawn-plain = Người đó đã rút lại sự đồng ý: một chuyển gửi đến tổ chức của bạn đã kết thúc và dữ liệu của nó không còn truy cập được.
notice-approval-requested = Bạn được đề nghị phê duyệt trong ca { $reference }: { $subject }.
notice-approval-requested-plain = Bạn được đề nghị phê duyệt trong một ca.
notice-approval-decided = { $subject } mà bạn đề nghị phê duyệt trong ca { $reference } đã có kết quả: { $state }.
notice-approval-decided-plain = Một đề nghị phê duyệt của bạn đã có quyết định.
notice-task-assigned = Một công việc trong ca { $reference } được giao cho bạn, hạn { $due }.
notice-task-assigned-plain = Một công việc trong một ca được giao cho bạn.
notice-task-due = Một công việc trong ca { $reference } đến hạn vào { $due }.
notice-task-due-plain = Một công việc của bạn đã đến hạn.
notice-case-assigned = Ca { $reference } đã được giao cho bạn quản lý.
notice-case-assigned-plain = Một ca đã được giao cho bạn quản lý.
notice-case-changed = Người khác đã thay đổi ca { $reference } mà bạn quản lý.
notice-case-changed-plain = Người khác đã thay đổi một ca bạn quản lý.
notice-document-added = { $org } đã thêm một tài liệu vào ca { $reference } mà bạn quản lý.
notice-document-added-plain = Một tổ chức khác đã thêm tài liệu vào ca bạn quản lý.
notice-recovery-codes-reset-plain = Các mã khôi phục đăng nhập hai bước của bạn đã được thay sau khi đổi khóa bảo mật. Hãy tạo mã mới trong phần cài đặt; ứng dụng xác thực của bạn vẫn đăng nhập được.
notice-decision = Một { $stage } đã được ghi lại trong ca { $reference }.
notice-decision-plain = Một quyết định xác định nạn nhân đã được ghi lại trong một ca bạn quản lý.
notice-break-glass = { $user } (quản trị viên) đã mở ca { $reference } trong tình huống khẩn cấp (truy cập khẩn cấp). Lý do có trong nhật ký truy cập của ca.
notice-break-glass-plain = Một quản trị viên đã mở một ca của tổ chức bạn trong tình huống khẩn cấp (truy cập khẩn cấp). Lý do có trong nhật ký truy cập của ca.
notice-tracing-match = Một yêu cầu tìm kiếm gia đình có thể liên quan đến người trong ca { $reference }. Hãy xem xét và hỏi người đó.
notice-tracing-match-plain = Một yêu cầu tìm kiếm gia đình có thể liên quan đến một người bạn đang hỗ trợ.
notice-tracing-found = Yêu cầu tìm kiếm { $reference }: đã tìm thấy người đó và người đó đồng ý liên lạc. Hãy mở yêu cầu để xem cách liên lạc.
notice-tracing-found-plain = Người mà bạn đang tìm đã được tìm thấy và đồng ý liên lạc.
notice-permit-expiry = { $expired ->
    [yes] Một giấy phép trong ca { $reference } đã hết hạn vào { $day }, và người đó vẫn đang được bảo vệ.
   *[no] Một giấy phép trong ca { $reference } sẽ hết hạn vào { $day }.
}
notice-permit-expiry-plain = Một giấy phép trong ca bạn phụ trách sắp hết hạn.
notice-hearing-upcoming = Người trong ca { $reference } có { $event } vào { $day }: hãy sắp xếp người đi cùng, phiên dịch và việc đi lại.
notice-hearing-upcoming-plain = Người trong một ca bạn phụ trách sắp có phiên tòa.
notice-open-inbox = Mở hộp chuyển gửi
notice-open-referrals = Mở các chuyển gửi của ca
notice-open-approvals = Mở các phê duyệt
notice-open-tasks = Mở kế hoạch chăm sóc
notice-open-decisions = Mở các quyết định
notice-open-audit = Mở nhật ký truy cập
notice-open-tracing-request = Mở yêu cầu tìm kiếm
notice-open-tracing = Mở tìm kiếm gia đình
notice-open-justice = Mở quyền và tư pháp
notice-open-case = Mở ca
notice-open-documents = Mở tài liệu
notice-open-two-factor = Mở đăng nhập hai bước

## The case list
cases-filter-manager = Cán bộ quản lý ca
cases-filter-overdue = Chỉ các ca có quyết định hoặc công việc đã quá hạn
cases-next-deadline = Hạn tiếp theo
cases-no-deadline = không có hạn nào đang mở
cases-overdue = Quá hạn
cases-search-title = Kết quả tìm kiếm
cases-search-count = Các ca tìm thấy
cases-back-to-list = Quay lại tất cả các ca
cases-none-search = Không có ca nào khớp với tìm kiếm này. Hãy kiểm tra chính tả, thử một từ trong tên hoặc số tham chiếu (SP-…), hoặc tìm hồ sơ hiện có trước khi mở ca mới.
cases-none-filtered = Không có ca nào khớp với các bộ lọc này. Hãy nới lỏng một bộ lọc, hoặc bỏ các bộ lọc để xem mọi ca bạn được xem.
cases-none-yet = Bạn chưa thể xem ca nào. Một ca sẽ xuất hiện ở đây khi bạn mở ca, khi bạn được giao một ca, hoặc khi tổ chức của bạn nhận một chuyển gửi.
cases-search-gone-title = Tìm kiếm này không còn được lưu
cases-search-gone = Các tìm kiếm chỉ được lưu trong 30 phút và chỉ cho phiên làm việc đã thực hiện chúng (tên không bao giờ được đưa vào địa chỉ web). Hãy tìm lại từ danh sách ca.
notice-handover-alert = { $alert ->
    [security_alert] Có cảnh báo an ninh trong một hồ sơ chuyển giao xuyên biên giới: hãy đọc và quyết định cùng phía bên kia.
   *[other] Báo cáo theo dõi sau khi trở về cho biết người đó có thể có nguy cơ bị mua bán lại: hãy hành động cùng phía bên kia ngay.
}
notice-handover-alert-plain = Có cảnh báo trong một hồ sơ chuyển giao xuyên biên giới.
notice-open-handover = Mở hồ sơ chuyển giao
notice-returned-person-again-plain = Hồ sơ này có thể là về một người đã trở về qua chuyển giao xuyên biên giới và lại xuất hiện trong hồ sơ (một hồ sơ mới từ sàng lọc, hoặc đợt rà soát trùng lặp): họ có thể đã bị mua bán lại. Hãy so sánh hồ sơ. Nếu hồ sơ chuyển giao vẫn còn mở, tổ chức tiếp nhận đã được báo qua đó.
