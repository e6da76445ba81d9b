# Machine-assisted translation, not yet reviewed by a native speaker.
nav-break-glass = Truy cập khẩn cấp
break-glass-intro = Chỉ dùng khi khẩn cấp: bạn sẽ đọc một hồ sơ mà bình thường bạn không được xem. Lý do của bạn được niêm phong trong nhật ký kiểm tra và các điều phối viên của ca được thông báo ngay.
break-glass-reference = Số tham chiếu của ca (ví dụ SP-2026-ABCD-EFGH)
break-glass-admins-only = Chỉ quản trị viên mới được truy cập khẩn cấp.
break-glass-error-reason_required = Nêu lý do với ít nhất 15 ký tự (không ghi tên của người đó).
break-glass-error-reference_required = Nhập số tham chiếu của ca.
break-glass-error-reference_unknown = Không có ca nào mang số tham chiếu này. Hãy kiểm tra lại với người đã đưa cho bạn.
